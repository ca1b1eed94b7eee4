#!/usr/bin/env bash
# Makes the corpus of camera-like JPEGs the decoder tests read (the files
# are committed; this records how). Needs ffmpeg and libjpeg-turbo-progs.
set -euo pipefail
cd "$(dirname "$0")"
# Sensor noise makes the files as large as a real camera's (200-400 KB at 1080p).
src() { ffmpeg -v error -y -f lavfi -i "testsrc2=size=$1:rate=1" -vf noise=alls=12:allf=t -frames:v 1 "$2"; }
src 1920x1080 /tmp/pb-1080.ppm
src 1366x768 /tmp/pb-768.ppm
src 640x360 /tmp/pb-360.ppm
# Odd sizes: testsrc2 makes even ones, so crop.
ffmpeg -v error -y -f lavfi -i "testsrc2=size=324x244:rate=1" -vf format=rgb24,crop=321:241:0:0,noise=alls=12:allf=t -pix_fmt rgb24 -frames:v 1 /tmp/pb-odd.ppm
ffmpeg -v error -y -f lavfi -i "testsrc2=size=324x244:rate=1" -vf format=rgb24,crop=322:240:0:0 -pix_fmt rgb24 -frames:v 1 /tmp/pb-411.ppm
# What a UVC webcam sends at 1080p: 4:2:2 baseline with no Huffman tables
# (the camera relies on the standard ones).
cjpeg -quality 85 -sample 2x1 /tmp/pb-1080.ppm > /tmp/pb-1080-422.jpg
go run ./strip-dht.go < /tmp/pb-1080-422.jpg > 1080p-422-nodht.jpg
cjpeg -quality 85 -sample 2x2 -restart 2 /tmp/pb-1080.ppm > 1080p-420-restart.jpg
cjpeg -quality 80 -sample 2x2 /tmp/pb-360.ppm > 640x360-420.jpg
cjpeg -quality 80 -sample 2x1 /tmp/pb-768.ppm > 1366x768-422.jpg
cjpeg -quality 80 -sample 1x1 /tmp/pb-360.ppm > 640x360-444.jpg
cjpeg -quality 80 -grayscale /tmp/pb-360.ppm > 640x360-gray.jpg
cjpeg -quality 80 -sample 2x2 /tmp/pb-odd.ppm > 321x241-420.jpg
cjpeg -quality 80 -sample 2x1 /tmp/pb-odd.ppm > 321x241-422.jpg
cjpeg -quality 80 -sample 4x1 /tmp/pb-411.ppm > 322x240-411.jpg
head -c 90000 1080p-420-restart.jpg > 1080p-truncated.jpg
rm -f /tmp/pb-*.ppm /tmp/pb-1080-422.jpg
