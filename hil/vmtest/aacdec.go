//go:build hil

package vmtest

/*
#cgo pkg-config: libavcodec libavutil
#include <stdlib.h>
#include <string.h>
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>

// decode_aac decodes raw AAC frames (each frames[i], sizes[i]) with the
// AudioSpecificConfig asc into mono float samples (first channel) in out,
// returning how many were written, or a negative error.
static int decode_aac(const uint8_t *asc, int asc_len, const uint8_t *data, const int *sizes, int n, float *out, int max_out, int *rate) {
	const AVCodec *c = avcodec_find_decoder(AV_CODEC_ID_AAC);
	if (!c) return -1;
	AVCodecContext *ctx = avcodec_alloc_context3(c);
	ctx->extradata = av_mallocz(asc_len + AV_INPUT_BUFFER_PADDING_SIZE);
	memcpy(ctx->extradata, asc, asc_len);
	ctx->extradata_size = asc_len;
	if (avcodec_open2(ctx, c, NULL) < 0) return -2;
	AVPacket *pkt = av_packet_alloc();
	AVFrame *fr = av_frame_alloc();
	int w = 0;
	for (int i = 0; i < n; i++) {
		av_new_packet(pkt, sizes[i]);
		memcpy(pkt->data, data, sizes[i]);
		data += sizes[i];
		if (avcodec_send_packet(ctx, pkt) < 0) { av_packet_unref(pkt); continue; }
		av_packet_unref(pkt);
		while (avcodec_receive_frame(ctx, fr) == 0) {
			*rate = fr->sample_rate;
			const float *s = (const float *)fr->data[0];
			for (int k = 0; k < fr->nb_samples && w < max_out; k++) out[w++] = s[k];
		}
	}
	av_frame_free(&fr);
	av_packet_free(&pkt);
	avcodec_free_context(&ctx);
	return w;
}
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"unsafe"
)

// flvAAC reads an FLV file's AAC track: its AudioSpecificConfig and raw
// frames.
func flvAAC(path string) (asc []byte, frames [][]byte, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	if len(b) < 13 || string(b[:3]) != "FLV" {
		return nil, nil, errors.New("not an FLV file")
	}
	for i := int(binary.BigEndian.Uint32(b[5:9])) + 4; i+11 <= len(b); {
		typ := b[i]
		n := int(b[i+1])<<16 | int(b[i+2])<<8 | int(b[i+3])
		if i+11+n > len(b) {
			break
		}
		body := b[i+11 : i+11+n]
		if typ == 8 && len(body) >= 2 && body[0]>>4 == 10 {
			if body[1] == 0 {
				asc = append([]byte(nil), body[2:]...)
			} else {
				frames = append(frames, body[2:])
			}
		}
		i += 11 + n + 4
	}
	if asc == nil {
		return nil, nil, errors.New("no AAC sequence header")
	}
	return asc, frames, nil
}

// decodeAAC decodes frames to mono float samples with libavcodec.
func decodeAAC(asc []byte, frames [][]byte) ([]float32, int, error) {
	var data []byte
	sizes := make([]C.int, len(frames))
	for i, f := range frames {
		data = append(data, f...)
		sizes[i] = C.int(len(f))
	}
	if len(frames) == 0 {
		return nil, 0, errors.New("no AAC frames")
	}
	out := make([]float32, len(frames)*1024)
	var rate C.int
	cASC := C.CBytes(asc)
	defer C.free(cASC)
	cData := C.CBytes(data)
	defer C.free(cData)
	cSizes := C.malloc(C.size_t(len(sizes)) * C.size_t(unsafe.Sizeof(C.int(0))))
	defer C.free(cSizes)
	copy(unsafe.Slice((*C.int)(cSizes), len(sizes)), sizes)
	cOut := C.malloc(C.size_t(len(out)) * 4)
	defer C.free(cOut)
	n := C.decode_aac((*C.uint8_t)(cASC), C.int(len(asc)), (*C.uint8_t)(cData), (*C.int)(cSizes), C.int(len(frames)), (*C.float)(cOut), C.int(len(out)), &rate)
	if n < 0 {
		return nil, 0, fmt.Errorf("AAC decode failed: %d", int(n))
	}
	copy(out, unsafe.Slice((*float32)(cOut), int(n)))
	return out[:n], int(rate), nil
}
