/* The V4L2 numbers pitchbox uses, as the kernel's uapi headers define
 * them. scripts/gen-uapi.sh compiles this for each architecture (to assembly only,
 * so cross compilers need no target libraries) and writes uapi_GOARCH.txt. */
#include <linux/videodev2.h>

#define S(x) { #x, sizeof(struct x) }
#define R(x) { #x, x }
struct entry { const char *name; unsigned int value; };
const struct entry entries[] = {
	S(v4l2_capability), S(v4l2_fmtdesc), S(v4l2_format), S(v4l2_pix_format),
	S(v4l2_pix_format_mplane), S(v4l2_plane_pix_format), S(v4l2_requestbuffers),
	S(v4l2_buffer), S(v4l2_plane), S(v4l2_timecode), S(v4l2_streamparm),
	S(v4l2_captureparm), S(v4l2_control), S(v4l2_ext_control), S(v4l2_ext_controls),
	S(v4l2_encoder_cmd), S(v4l2_frmsizeenum), S(v4l2_frmivalenum), S(v4l2_queryctrl),
	S(v4l2_rect), S(v4l2_selection), R(VIDIOC_S_SELECTION), R(V4L2_SEL_TGT_CROP),
	R(VIDIOC_QUERYCAP), R(VIDIOC_ENUM_FMT), R(VIDIOC_G_FMT), R(VIDIOC_S_FMT),
	R(VIDIOC_REQBUFS), R(VIDIOC_QUERYBUF), R(VIDIOC_QBUF), R(VIDIOC_DQBUF),
	R(VIDIOC_STREAMON), R(VIDIOC_STREAMOFF), R(VIDIOC_G_PARM), R(VIDIOC_S_PARM),
	R(VIDIOC_G_CTRL), R(VIDIOC_S_CTRL), R(VIDIOC_QUERYCTRL), R(VIDIOC_G_EXT_CTRLS),
	R(VIDIOC_S_EXT_CTRLS), R(VIDIOC_ENUM_FRAMESIZES), R(VIDIOC_ENUM_FRAMEINTERVALS),
	R(VIDIOC_ENCODER_CMD),
	R(V4L2_CID_MPEG_VIDEO_GOP_SIZE), R(V4L2_CID_MPEG_VIDEO_BITRATE_MODE),
	R(V4L2_CID_MPEG_VIDEO_BITRATE), R(V4L2_CID_MPEG_VIDEO_REPEAT_SEQ_HEADER),
	R(V4L2_CID_MPEG_VIDEO_FORCE_KEY_FRAME), R(V4L2_CID_MPEG_VIDEO_H264_I_PERIOD),
	R(V4L2_CID_MPEG_VIDEO_H264_LEVEL), R(V4L2_CID_MPEG_VIDEO_H264_PROFILE),
	R(V4L2_CID_FWHT_I_FRAME_QP), R(V4L2_CID_FWHT_P_FRAME_QP), R(V4L2_CTRL_CLASS_CODEC),
	R(V4L2_MPEG_VIDEO_BITRATE_MODE_CBR), R(V4L2_MPEG_VIDEO_H264_PROFILE_MAIN),
	R(V4L2_MPEG_VIDEO_H264_LEVEL_3_1), R(V4L2_MPEG_VIDEO_H264_LEVEL_4_0), R(V4L2_MPEG_VIDEO_H264_LEVEL_4_1),
	R(V4L2_PIX_FMT_YUV420), R(V4L2_PIX_FMT_NV12), R(V4L2_PIX_FMT_YUYV), R(V4L2_PIX_FMT_MJPEG),
	R(V4L2_PIX_FMT_H264), R(V4L2_PIX_FMT_FWHT),
	R(V4L2_CAP_VIDEO_CAPTURE), R(V4L2_CAP_VIDEO_M2M), R(V4L2_CAP_VIDEO_M2M_MPLANE),
	R(V4L2_CAP_STREAMING), R(V4L2_CAP_DEVICE_CAPS),
	R(V4L2_BUF_FLAG_KEYFRAME), R(V4L2_BUF_FLAG_ERROR), R(V4L2_BUF_FLAG_LAST),
	R(V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC), R(V4L2_ENC_CMD_STOP),
};
