//go:build cgo

package whip

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/e2e/harness"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/frame/testpattern"
)

// opusSilence is one real 20 ms Opus packet: CELT fullband stereo, one
// frame, silence.
var opusSilence = []byte{0xfc, 0xff, 0xfe}

// encodeH264 codes secs seconds of the test pattern at 320x240, 30 fps,
// constrained baseline, an IDR each second, as the box does for a stage.
func encodeH264(t *testing.T, secs int) []*encode.Packet {
	t.Helper()
	const fps = 30
	e, err := x264.New(encode.Settings{Width: 320, Height: 240, FPS: fps, BitrateKbps: 600,
		KeyframeInterval: time.Second, Preset: "ultrafast", Baseline: true})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	pool, err := frame.NewPool(320, 240, 1)
	if err != nil {
		t.Fatal(err)
	}
	pat, err := testpattern.New(pool, fps)
	if err != nil {
		t.Fatal(err)
	}
	f := pool.Get()
	defer f.Release()
	var pkts []*encode.Packet
	for i := range secs * fps {
		f.PTS = time.Duration(i) * time.Second / fps
		pat.Draw(f, uint64(i), f.PTS)
		if pkts, err = e.Encode(pkts, f, i%fps == 0); err != nil {
			t.Fatal(err)
		}
	}
	if pkts, err = e.Flush(pkts); err != nil {
		t.Fatal(err)
	}
	return pkts
}

// TestMediaArrives: 3 s of H.264 from x264 and Opus packets, sent in real
// time, reach the server as RTP with keyframes, and its recording decodes
// to every frame, as constrained baseline. Close DELETEs the session.
func TestMediaArrives(t *testing.T) {
	video := encodeH264(t, 3)
	keys := 0
	for _, p := range video {
		if p.Key {
			keys++
		}
	}
	srv := harness.StartWHIP(t, harness.WHIPOptions{Token: testToken})
	s := open(t, srv.URL, testToken)
	audio := &encode.Packet{Kind: encode.Audio, Data: opusSilence}
	start := time.Now()
	var ta time.Duration
	for _, p := range video {
		for ; ta <= p.PTS; ta += 20 * time.Millisecond {
			if err := s.WriteAudio(audio, ta); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(time.Until(start.Add(p.PTS)))
		if err := s.WriteVideo(p, p.PTS); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // retransmissions, if any
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ss := srv.Sessions()
	if len(ss) != 1 || !ss[0].Deleted || !ss[0].Ended {
		t.Fatalf("sessions %+v: want one, deleted", ss)
	}
	got := ss[0]
	t.Logf("sent %d frames (%d keyframes); server got video %+v, audio %+v", len(video), keys, got.Video, got.Audio)
	if got.Video.Packets < len(video) || got.Video.Keyframes < 1 || got.Video.Keyframes > keys {
		t.Errorf("video %+v: want ≥ %d packets, 1 to %d keyframes", got.Video, len(video), keys)
	}
	if got.Audio.Packets < 140 {
		t.Errorf("audio %+v: want about 150 packets", got.Audio)
	}
	checkRecordings(t, got, len(video))
}

// checkRecordings: the H.264 recording decodes to frames constrained
// baseline frames, the Opus one is Ogg.
func checkRecordings(t *testing.T, ss harness.WHIPSession, frames int) {
	t.Helper()
	h264, err := os.ReadFile(ss.H264)
	if err != nil || !bytes.HasPrefix(h264, []byte{0, 0, 0, 1}) {
		t.Fatalf("H.264 recording: %v, %d bytes", err, len(h264))
	}
	ogg, err := os.ReadFile(ss.Ogg)
	if err != nil || !bytes.HasPrefix(ogg, []byte("OggS")) || !bytes.Contains(ogg, []byte("OpusHead")) {
		t.Fatalf("Ogg recording: %v, %d bytes", err, len(ogg))
	}
	ffprobe, err := exec.LookPath("ffprobe")
	if err != nil {
		t.Fatal("this test needs ffprobe (make deps-test installs ffmpeg)")
	}
	out, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=profile,nb_read_frames", "-of", "csv=p=0", ss.H264).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v: %s", err, out)
	}
	if want := "Constrained Baseline," + strconv.Itoa(frames); strings.TrimSpace(string(out)) != want {
		t.Errorf("the recording is %q, want %q", strings.TrimSpace(string(out)), want)
	}
}
