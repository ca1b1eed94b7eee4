package audio

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gen2brain/alsa"

	"github.com/pitchbox/pitchbox/frame"
)

// Cards lists sound cards that have a capture PCM (device 0), from
// /proc/asound/cards.
func Cards() []Card {
	f, err := os.Open("/proc/asound/cards")
	if err != nil {
		return nil
	}
	defer f.Close()
	return parseCards(f, func(idx int) bool {
		_, err := os.Stat(fmt.Sprintf("/dev/snd/pcmC%dD0c", idx))
		return err == nil
	})
}

// parseCards reads /proc/asound/cards; capture says whether a card has a
// capture PCM.
func parseCards(r io.Reader, capture func(int) bool) []Card {
	var out []Card
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		// " 1 [Device         ]: USB-Audio - USB PnP Sound Device"
		line := sc.Text()
		open, close := strings.IndexByte(line, '['), strings.IndexByte(line, ']')
		if open < 0 || close < open {
			continue
		}
		// Continuation lines have no card number before the bracket.
		idx, err := strconv.Atoi(strings.TrimSpace(line[:open]))
		if err != nil {
			continue
		}
		c := Card{Index: idx, ID: strings.TrimSpace(line[open+1 : close])}
		rest := line[close+1:]
		rest = strings.TrimPrefix(strings.TrimSpace(rest), ":")
		driver, name, _ := strings.Cut(strings.TrimSpace(rest), " - ")
		c.Name, c.USB = strings.TrimSpace(name), strings.TrimSpace(driver) == "USB-Audio"
		if capture(idx) {
			out = append(out, c)
		}
	}
	return out
}

// FindCard resolves a device setting: "auto" (the first USB capture card,
// else the first capture card), "hw:C,D", or part of a card's id or name.
func FindCard(device string) (card, dev int, err error) {
	if strings.HasPrefix(device, "hw:") {
		if _, err := fmt.Sscanf(device, "hw:%d,%d", &card, &dev); err != nil {
			return 0, 0, fmt.Errorf("audio: device %q: want hw:CARD,DEVICE", device)
		}
		return card, dev, nil
	}
	cards := Cards()
	if device == "auto" {
		for _, c := range cards {
			if c.USB {
				return c.Index, 0, nil
			}
		}
		if len(cards) > 0 {
			return cards[0].Index, 0, nil
		}
		return 0, 0, ErrNoMicrophone
	}
	var names []string
	for _, c := range cards {
		if strings.EqualFold(c.ID, device) || strings.Contains(strings.ToLower(c.Name), strings.ToLower(device)) {
			return c.Index, 0, nil
		}
		names = append(names, c.ID+" ("+c.Name+")")
	}
	return 0, 0, fmt.Errorf("audio: no capture card matching %q (cards: %s): %w", device, strings.Join(names, ", "), ErrNoMicrophone)
}

// ALSA captures from a sound card's PCM (hardware device, no plugins).
type ALSA struct {
	pcm      *alsa.PCM
	name     string
	rate     int
	channels int
	boxed    any    // buf as an interface, boxed once: no allocation per read
	last     *int16 // the buffer boxed
}

// OpenALSA opens card,dev for capture at rate and channels, 20 ms periods.
func OpenALSA(card, dev, rate, channels int) (*ALSA, error) {
	cfg := &alsa.Config{
		Channels: uint32(channels), Rate: uint32(rate),
		PeriodSize: uint32(rate / 50), PeriodCount: 4,
		Format: alsa.PCM_FORMAT_S16_LE,
	}
	pcm, err := alsa.PcmOpen(uint(card), uint(dev), alsa.PCM_IN|alsa.PCM_MONOTONIC, cfg)
	if err != nil {
		return nil, fmt.Errorf("audio: open hw:%d,%d (%d Hz, %d ch): %w", card, dev, rate, channels, err)
	}
	if int(pcm.Rate()) != rate || int(pcm.Channels()) != channels {
		pcm.Close()
		return nil, fmt.Errorf("audio: hw:%d,%d gave %d Hz %d ch, asked %d Hz %d ch", card, dev, pcm.Rate(), pcm.Channels(), rate, channels)
	}
	return &ALSA{pcm: pcm, name: fmt.Sprintf("hw:%d,%d", card, dev), rate: rate, channels: channels}, nil
}

// Rate implements Source.
func (a *ALSA) Rate() int { return a.rate }

// Channels implements Source.
func (a *ALSA) Channels() int { return a.channels }

// Describe implements Source.
func (a *ALSA) Describe() string {
	return fmt.Sprintf("%s %d Hz %dch", a.name, a.rate, a.channels)
}

// Read implements Source. The first frame's capture time is the time now
// less what was read and what is still buffered.
func (a *ALSA) Read(buf []int16) (int, time.Duration, error) {
	if len(buf) == 0 {
		return 0, 0, nil
	}
	if a.last != &buf[0] {
		a.boxed, a.last = buf, &buf[0]
	}
	n, err := a.pcm.ReadI(a.boxed, uint32(len(buf)/a.channels))
	if err != nil {
		if errors.Is(err, syscall.ENODEV) || errors.Is(err, syscall.EBADFD) || errors.Is(err, syscall.EIO) {
			return 0, 0, fmt.Errorf("%w: %s (%v)", ErrDeviceLost, a.name, err)
		}
		return 0, 0, fmt.Errorf("audio: %s: %w", a.name, err)
	}
	now := frame.Now()
	delay, _ := a.pcm.Delay()
	at := now - time.Duration(n+max(delay, 0))*time.Second/time.Duration(a.rate)
	return n, at, nil
}

// Close implements Source.
func (a *ALSA) Close() error { return a.pcm.Close() }
