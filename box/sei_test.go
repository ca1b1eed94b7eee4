package box

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pitchbox/pitchbox/config"
	"github.com/pitchbox/pitchbox/control"
	"github.com/pitchbox/pitchbox/encode"
	"github.com/pitchbox/pitchbox/encode/h264"
	"github.com/pitchbox/pitchbox/encode/x264"
	"github.com/pitchbox/pitchbox/frame"
	"github.com/pitchbox/pitchbox/stream"
)

// TestSEIWriterPipelined feeds the SEI writer as a pipelined hardware
// encoder would: access units come out two frames late, and one frame is
// dropped inside the encoder.
func TestSEIWriterPipelined(t *testing.T) {
	show := &frame.Meta{SEI: h264.AppendUserDataSEI(nil, productUUID, []byte(`{"v":1,"event":"show"}`)), Repeat: true}
	clear := &frame.Meta{SEI: h264.AppendUserDataSEI(nil, productUUID, []byte(`{"v":1,"event":"clear"}`))}
	metas := map[uint64]*frame.Meta{}
	for i := uint64(3); i < 9; i++ {
		metas[i] = show
	}
	for i := uint64(9); i < 14; i++ {
		metas[i] = clear
	}
	var w seiWriter
	got := map[uint64]string{}
	for seq := uint64(0); seq < 16; seq++ {
		w.submit(&frame.Frame{PTS: pts(seq), Meta: metas[seq]})
		if seq < 2 || seq == 5 { // seq-2 = 3 is dropped by the encoder
			continue
		}
		out := seq - 2
		// As the M2M encoder: the packet has its frame's PTS, no Seq.
		pkt := &encode.Packet{PTS: pts(out), Key: out%5 == 0, Data: []byte{0, 0, 0, 1, 0x65, 1}}
		if !pkt.Key {
			pkt.Data[4] = 0x41
		}
		w.write(pkt)
		for _, d := range h264.FindUserData(pkt.Data, productUUID) {
			got[out] = string(d)
		}
	}
	want := map[uint64]string{
		4:  `{"v":1,"event":"show"}`, // the first out at or after 3
		5:  `{"v":1,"event":"show"}`, // an IDR while on
		9:  `{"v":1,"event":"clear"}`,
		14: "", // nothing: the clear is not repeated, and the frames after carry no Meta
	}
	delete(want, 14)
	if len(got) != len(want) {
		t.Fatalf("SEI in %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("access unit %d: %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}

// pts is frame n's PTS at 30 fps.
func pts(n uint64) time.Duration { return time.Duration(n) * time.Second / 30 }

// TestSEIWriterKeepsTheNewestChange: a show and a clear that reach the
// same access unit (the encoder dropped the frames between) leave the
// clear, so the buyers' card comes off.
func TestSEIWriterKeepsTheNewestChange(t *testing.T) {
	show := &frame.Meta{SEI: h264.AppendUserDataSEI(nil, productUUID, []byte(`{"v":1,"event":"show"}`)), Repeat: true}
	clear := &frame.Meta{SEI: h264.AppendUserDataSEI(nil, productUUID, []byte(`{"v":1,"event":"clear"}`))}
	var w seiWriter
	w.submit(&frame.Frame{PTS: pts(1), Meta: show})
	w.submit(&frame.Frame{PTS: pts(2), Meta: clear})
	pkt := &encode.Packet{PTS: pts(2), Key: true, Data: []byte{0, 0, 0, 1, 0x65, 1}}
	w.write(pkt)
	got := h264.FindUserData(pkt.Data, productUUID)
	if len(got) != 1 || string(got[0]) != `{"v":1,"event":"clear"}` {
		t.Fatalf("SEI %q, want the clear alone", got)
	}
	pkt = &encode.Packet{PTS: pts(3), Key: true, Data: []byte{0, 0, 0, 1, 0x65, 1}}
	w.write(pkt)
	if got := h264.FindUserData(pkt.Data, productUUID); len(got) != 0 {
		t.Fatalf("the clear was repeated at an IDR: %q", got)
	}
}

// publishTo makes p live to d directly, for the tests that drive
// encodeFrame by hand (no stage goroutines); the caller closes it.
func publishTo(p *pipeline, d stream.Destination) *stream.Publisher {
	pub := stream.NewPublisher(d, stream.Options{Logger: slog.New(slog.DiscardHandler), QueueLen: 4096})
	p.livePub.Store(pub)
	p.mux.setPublisher(pub)
	return pub
}

// recDest keeps a copy of every video access unit published.
type recDest struct {
	mu  sync.Mutex
	aus []recAU
}

type recAU struct {
	seq  uint64
	data []byte
}

type recSession struct {
	d    *recDest
	done chan struct{}
}

func (d *recDest) String() string { return "rec" }
func (d *recDest) Open(context.Context, stream.Header) (stream.Session, error) {
	return &recSession{d: d, done: make(chan struct{})}, nil
}
func (s *recSession) WriteVideo(p *encode.Packet, _ time.Duration) error {
	s.d.mu.Lock()
	s.d.aus = append(s.d.aus, recAU{p.Seq, bytes.Clone(p.Data)})
	s.d.mu.Unlock()
	return nil
}
func (s *recSession) WriteAudio(*encode.Packet, time.Duration) error { return nil }
func (s *recSession) Done() <-chan struct{}                          { return s.done }
func (s *recSession) Err() error                                     { return nil }
func (s *recSession) Close() error                                   { return nil }

func cardConfig(t *testing.T) *config.Config {
	c := testConfig(t)
	c.Presets = append(c.Presets, config.Preset{Name: "Café crème", Title: "Café crème", Price: "19,90 €",
		OldPrice: "24,90 €", URL: "https://shop.example/cafe", CountdownSeconds: 60, Size: 0.5})
	return c
}

// TestCardSEIOnX264 shows a card through the real compose and encode
// path with x264: its product event is in the access unit of the first
// frame that shows it and in every IDR while it is on; the clear event in
// the first frame after it, and nowhere else.
func TestCardSEIOnX264(t *testing.T) {
	if !x264.Available {
		t.Fatal("needs the x264 backend (cgo + libx264-dev)")
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	b, err := New(cardConfig(t), log)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p := b.pipeline()
	d := &recDest{}
	pub := publishTo(p, d)
	defer pub.Close()
	f, _ := frame.New(p.width, p.height)
	e := &encoder{kc: encode.KeyframeClock{Interval: time.Second}, failSince: -1}
	var shownAt, clearedAt int
	for n := 0; n < 150; n++ {
		switch n {
		case 20:
			if err := b.Show(config.PresetID("Café crème"), "test"); err != nil {
				t.Fatal(err)
			}
			shownAt = n
		case 110:
			b.Clear("test")
			clearedAt = n
		}
		f.PTS, f.Seq = time.Duration(n)*time.Second/30, uint64(n)
		p.comp.Apply(f)
		p.encodeFrame(e, f)
		for pub.Queued() > 0 {
			runtime.Gosched()
		}
	}
	time.Sleep(50 * time.Millisecond)
	d.mu.Lock()
	aus := d.aus
	d.mu.Unlock()
	if len(aus) < 120 || aus[0].seq > uint64(shownAt) {
		t.Fatalf("%d access units published, from frame %d on", len(aus), aus[0].seq)
	}
	idrs := 0
	for _, rec := range aus {
		i, au := int(rec.seq), rec.data
		events := h264.FindUserData(au, productUUID)
		var want string
		switch {
		case i == shownAt || i > shownAt && i < clearedAt && h264.IsIDR(au):
			want = control.EventShow
		case i == clearedAt:
			want = control.EventClear
		}
		if want == "" {
			if len(events) != 0 {
				t.Fatalf("access unit %d: unexpected SEI %s", i, events[0])
			}
			continue
		}
		if len(events) != 1 {
			t.Fatalf("access unit %d (IDR %v): %d product events, want a %s", i, h264.IsIDR(au), len(events), want)
		}
		var ev control.ProductEvent
		if err := json.Unmarshal(events[0], &ev); err != nil || ev.Event != want || ev.Preset != "Café crème" {
			t.Fatalf("access unit %d: %s (%v)", i, events[0], err)
		}
		if want == control.EventShow {
			if ev.Price != "19,90 €" || ev.URL != "https://shop.example/cafe" || ev.CountdownEndsAt == nil {
				t.Fatalf("access unit %d: %s", i, events[0])
			}
			if i > shownAt {
				idrs++
			}
		}
	}
	if idrs < 2 {
		t.Fatalf("the event was repeated in %d IDRs", idrs)
	}
	show, _ := p.scenes.get("Café crème").Cue(time.Now())
	t.Logf("the card's show SEI is %d bytes; repeated in %d IDRs", len(show.SEI), idrs)
}
