//go:build !race

package audio

// driftSpan is how much sound the drift test simulates: an hour.
const driftSpan = 60 * 60 // seconds
