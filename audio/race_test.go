//go:build race

package audio

// driftSpan is how much sound the drift test simulates: under the race
// detector (ten times slower) a quarter of an hour, still 270 ms of
// uncorrected drift at 300 ppm.
const driftSpan = 15 * 60 // seconds
