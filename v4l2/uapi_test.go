package v4l2

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// goValues maps every name in testdata/uapi_GOARCH.txt to what this
// package uses for it, laid out by the Go compiler for the running GOARCH.
// make test runs this natively and, under qemu-user, for arm64 and arm.
func goValues() map[string]uint64 {
	return map[string]uint64{
		"v4l2_capability":                       uint64(unsafe.Sizeof(Capability{})),
		"v4l2_fmtdesc":                          uint64(unsafe.Sizeof(FmtDesc{})),
		"v4l2_format":                           uint64(unsafe.Sizeof(Format{})),
		"v4l2_pix_format":                       uint64(unsafe.Sizeof(PixFormat{})),
		"v4l2_pix_format_mplane":                uint64(unsafe.Sizeof(PixFormatMPlane{})),
		"v4l2_plane_pix_format":                 uint64(unsafe.Sizeof(PlanePixFormat{})),
		"v4l2_requestbuffers":                   uint64(unsafe.Sizeof(RequestBuffers{})),
		"v4l2_buffer":                           uint64(unsafe.Sizeof(Buffer{})),
		"v4l2_plane":                            uint64(unsafe.Sizeof(Plane{})),
		"v4l2_timecode":                         uint64(unsafe.Sizeof(Timecode{})),
		"v4l2_streamparm":                       uint64(unsafe.Sizeof(StreamParm{})),
		"v4l2_captureparm":                      uint64(unsafe.Sizeof(CaptureParm{})),
		"v4l2_control":                          uint64(unsafe.Sizeof(Control{})),
		"v4l2_ext_control":                      uint64(unsafe.Sizeof(ExtControl{})),
		"v4l2_ext_controls":                     uint64(unsafe.Sizeof(ExtControls{})),
		"v4l2_encoder_cmd":                      uint64(unsafe.Sizeof(EncoderCmd{})),
		"v4l2_frmsizeenum":                      uint64(unsafe.Sizeof(FrmSizeEnum{})),
		"v4l2_frmivalenum":                      uint64(unsafe.Sizeof(FrmIvalEnum{})),
		"v4l2_queryctrl":                        uint64(unsafe.Sizeof(QueryCtrl{})),
		"v4l2_querymenu":                        uint64(unsafe.Sizeof(QueryMenu{})),
		"VIDIOC_QUERYMENU":                      uint64(VIDIOC_QUERYMENU),
		"V4L2_CTRL_TYPE_INTEGER":                CtrlTypeInteger,
		"V4L2_CTRL_TYPE_BOOLEAN":                CtrlTypeBoolean,
		"V4L2_CTRL_TYPE_MENU":                   CtrlTypeMenu,
		"V4L2_CTRL_TYPE_BUTTON":                 CtrlTypeButton,
		"V4L2_CTRL_TYPE_INTEGER_MENU":           CtrlTypeIntegerMenu,
		"V4L2_CTRL_FLAG_DISABLED":               CtrlFlagDisabled,
		"V4L2_CTRL_FLAG_READ_ONLY":              CtrlFlagReadOnly,
		"V4L2_CTRL_FLAG_INACTIVE":               CtrlFlagInactive,
		"V4L2_CTRL_FLAG_NEXT_CTRL":              CtrlFlagNextCtrl,
		"V4L2_CTRL_WHICH_CUR_VAL":               CtrlWhichCurVal,
		"v4l2_rect":                             uint64(unsafe.Sizeof(Rect{})),
		"v4l2_selection":                        uint64(unsafe.Sizeof(Selection{})),
		"VIDIOC_S_SELECTION":                    uint64(VIDIOC_S_SELECTION),
		"V4L2_SEL_TGT_CROP":                     SelTgtCrop,
		"VIDIOC_QUERYCAP":                       uint64(VIDIOC_QUERYCAP),
		"VIDIOC_ENUM_FMT":                       uint64(VIDIOC_ENUM_FMT),
		"VIDIOC_G_FMT":                          uint64(VIDIOC_G_FMT),
		"VIDIOC_S_FMT":                          uint64(VIDIOC_S_FMT),
		"VIDIOC_REQBUFS":                        uint64(VIDIOC_REQBUFS),
		"VIDIOC_QUERYBUF":                       uint64(VIDIOC_QUERYBUF),
		"VIDIOC_QBUF":                           uint64(VIDIOC_QBUF),
		"VIDIOC_DQBUF":                          uint64(VIDIOC_DQBUF),
		"VIDIOC_STREAMON":                       uint64(VIDIOC_STREAMON),
		"VIDIOC_STREAMOFF":                      uint64(VIDIOC_STREAMOFF),
		"VIDIOC_G_PARM":                         uint64(VIDIOC_G_PARM),
		"VIDIOC_S_PARM":                         uint64(VIDIOC_S_PARM),
		"VIDIOC_G_CTRL":                         uint64(VIDIOC_G_CTRL),
		"VIDIOC_S_CTRL":                         uint64(VIDIOC_S_CTRL),
		"VIDIOC_QUERYCTRL":                      uint64(VIDIOC_QUERYCTRL),
		"VIDIOC_G_EXT_CTRLS":                    uint64(VIDIOC_G_EXT_CTRLS),
		"VIDIOC_S_EXT_CTRLS":                    uint64(VIDIOC_S_EXT_CTRLS),
		"VIDIOC_ENUM_FRAMESIZES":                uint64(VIDIOC_ENUM_FRAMESIZES),
		"VIDIOC_ENUM_FRAMEINTERVALS":            uint64(VIDIOC_ENUM_FRAMEINTERVALS),
		"VIDIOC_ENCODER_CMD":                    uint64(VIDIOC_ENCODER_CMD),
		"V4L2_CID_MPEG_VIDEO_GOP_SIZE":          CIDGOPSize,
		"V4L2_CID_MPEG_VIDEO_BITRATE_MODE":      CIDBitrateMode,
		"V4L2_CID_MPEG_VIDEO_BITRATE":           CIDBitrate,
		"V4L2_CID_MPEG_VIDEO_REPEAT_SEQ_HEADER": CIDRepeatSeqHeader,
		"V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME":   CIDForceKeyFrame,
		"V4L2_CID_MPEG_VIDEO_H264_I_PERIOD":     CIDH264IPeriod,
		"V4L2_CID_MPEG_VIDEO_H264_LEVEL":        CIDH264Level,
		"V4L2_CID_MPEG_VIDEO_H264_PROFILE":      CIDH264Profile,
		"V4L2_CID_FWHT_I_FRAME_QP":              CIDFWHTIFrameQP,
		"V4L2_CID_FWHT_P_FRAME_QP":              CIDFWHTPFrameQP,
		"V4L2_CTRL_CLASS_CODEC":                 CtrlClassCodec,
		"V4L2_MPEG_VIDEO_BITRATE_MODE_CBR":      BitrateModeCBR,
		"V4L2_MPEG_VIDEO_H264_PROFILE_MAIN":     H264ProfileMain,
		"V4L2_MPEG_VIDEO_H264_LEVEL_3_1":        H264Level31,
		"V4L2_MPEG_VIDEO_H264_LEVEL_4_0":        H264Level40,
		"V4L2_MPEG_VIDEO_H264_LEVEL_4_1":        H264Level41,
		"V4L2_PIX_FMT_YUV420":                   uint64(FmtYU12),
		"V4L2_PIX_FMT_NV12":                     uint64(FmtNV12),
		"V4L2_PIX_FMT_YUYV":                     uint64(FmtYUYV),
		"V4L2_PIX_FMT_MJPEG":                    uint64(FmtMJPEG),
		"V4L2_PIX_FMT_H264":                     uint64(FmtH264),
		"V4L2_PIX_FMT_FWHT":                     uint64(FmtFWHT),
		"V4L2_CAP_VIDEO_CAPTURE":                CapVideoCapture,
		"V4L2_CAP_VIDEO_M2M":                    CapVideoM2M,
		"V4L2_CAP_VIDEO_M2M_MPLANE":             CapVideoM2MMPlane,
		"V4L2_CAP_STREAMING":                    CapStreaming,
		"V4L2_CAP_DEVICE_CAPS":                  CapDeviceCaps,
		"V4L2_BUF_FLAG_KEYFRAME":                BufFlagKeyframe,
		"V4L2_BUF_FLAG_ERROR":                   BufFlagError,
		"V4L2_BUF_FLAG_LAST":                    BufFlagLast,
		"V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC":     BufFlagTimestampMonotonic,
		"V4L2_ENC_CMD_STOP":                     EncCmdStop,
		"v4l2_decoder_cmd":                      uint64(unsafe.Sizeof(DecoderCmd{})),
		"v4l2_event_subscription":               uint64(unsafe.Sizeof(EventSubscription{})),
		"v4l2_event":                            uint64(unsafe.Sizeof(Event{})),
		"VIDIOC_DECODER_CMD":                    uint64(VIDIOC_DECODER_CMD),
		"VIDIOC_SUBSCRIBE_EVENT":                uint64(VIDIOC_SUBSCRIBE_EVENT),
		"VIDIOC_DQEVENT":                        uint64(VIDIOC_DQEVENT),
		"VIDIOC_G_SELECTION":                    uint64(VIDIOC_G_SELECTION),
		"V4L2_DEC_CMD_START":                    DecCmdStart,
		"V4L2_DEC_CMD_STOP":                     DecCmdStop,
		"V4L2_EVENT_EOS":                        EventEOS,
		"V4L2_EVENT_SOURCE_CHANGE":              EventSourceChange,
		"V4L2_EVENT_SRC_CH_RESOLUTION":          EventSrcChResolution,
		"V4L2_SEL_TGT_COMPOSE":                  SelTgtCompose,
	}
}

func TestUAPIMatchesKernelHeaders(t *testing.T) {
	path := "testdata/uapi_" + runtime.GOARCH + ".txt"
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("%v (architectures with goldens: amd64, arm64, arm; regenerate with scripts/gen-uapi.sh)", err)
	}
	defer f.Close()
	got := goValues()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		want, err := strconv.ParseUint(val, 10, 64)
		if err != nil {
			t.Fatalf("bad value in %q", line)
		}
		seen[name] = true
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("%s: in the headers' table but not checked here", name)
		case g != want:
			t.Errorf("%s on %s: pitchbox has %d (%#x), the kernel headers %d (%#x)", name, runtime.GOARCH, g, g, want, want)
		}
	}
	for name := range got {
		if !seen[name] {
			t.Errorf("%s: checked here but missing from %s", name, path)
		}
	}
	t.Logf("%d layouts and numbers match the kernel headers for %s", len(seen), runtime.GOARCH)
}
