/* The fbdev numbers pitchbox uses, as the kernel's uapi headers define
 * them; scripts/gen-uapi.sh compiles this to assembly for each
 * architecture and writes uapi_GOARCH.txt. */
#include <linux/fb.h>

#define S(x) { #x, sizeof(struct x) }
#define R(x) { #x, x }
struct entry { const char *name; unsigned int value; };
const struct entry entries[] = {
	S(fb_var_screeninfo), S(fb_fix_screeninfo), S(fb_bitfield),
	R(FBIOGET_VSCREENINFO), R(FBIOGET_FSCREENINFO),
};
