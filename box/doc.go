// Package box is the supervisor of the appliance: it builds the pipeline's
// stages from the configuration, watches them, rebuilds them when the
// settings change or a stage fails (after a growing pause), rolls back to
// the last settings that worked, owns the seller's live intent (saved in
// the state directory, resumed after a crash, never started by a settings
// change) and the one honest state (off, recording, connecting, live,
// reconnecting, refused) with its plain-words problem, and implements
// control.Controller for the panel, the buttons and the CLI.
// It is the only package that knows all the others.
//
// # Stages, channels and goroutines
//
//	              captured (1)          composed (1)
//	capture ──────────────► compose ──────────────► encode ──► muxer ──► stream.Publisher ──► RTMP(S) | FLV file
//	(Source: camera in the  (scene,                 (x264 |     ▲ (two     (own goroutine,
//	 chosen mode, slate      snapshots)              M2M,       │ capped    bounded queue,
//	 or pattern)                                     silence)   │ queues)   reconnect)
//	audio (ALSA | beep → gain, meter, drift → AAC) ─────────────┘
//	display (the attached screen)      chat (IVS Chat websocket)      buttons (GPIO, keypads)
//
// Each stage (capture, compose, encode, audio, display, chat) is a stage
// value: startStage starts its goroutine, Close signals and waits, and a
// stage that returns an error while running fails the pipeline, which the
// Box closes and builds again after a pause. Channels between stages are
// one frame deep; a stage whose successor is behind drops the frame and
// counts it (status "stages"), so a slow encoder never stalls the camera
// and memory stays flat. Frames come from the source's pool and go back
// to it on Release.
//
// The camera is opened in the mode that reaches the configured size and
// rate (v4l2.ChooseMode); MJPEG is decoded by libjpeg-turbo or the
// board's M2M decoder. A lost, stalled or not-yet-started camera gives
// the slate; one back with other modes fails the capture stage
// (ErrRenegotiate), so the pipeline is built again at its size.
//
// Ownership: Box.Run owns the pipeline and the watch (one goroutine
// sampling the bitrate sent each second for the screen's graph, one
// asking IVS GetStream for the viewer count while live, both stopped when
// Run returns); pipeline.run owns the stages and
// the buttons, and returns only after every one of them has ended; the
// Publisher owns its session goroutine and is closed by stopLive. The
// muxer is not a goroutine: encode and audio push into it under its lock
// and it submits to the publisher without blocking.
package box
