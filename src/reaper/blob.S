/* The image of reaper.c's program, linked into sandsh as read-only data
 * (init.c executes it from a memfd), and its size in bytes. SANDSH_REAPER
 * names the built program; without it (an architecture reaper.c has no
 * stub for) the size is 0 and a shell session's PID 1 stays a copy of the
 * supervisor. */
	.section .rodata
	.balign 16
	.global sandsh_reaper_image
	.hidden sandsh_reaper_image
	.type sandsh_reaper_image, STT_OBJECT
sandsh_reaper_image:
#ifdef SANDSH_REAPER
	.incbin SANDSH_REAPER
#endif
image_end:
	.balign 4
	.global sandsh_reaper_size
	.hidden sandsh_reaper_size
	.type sandsh_reaper_size, STT_OBJECT
sandsh_reaper_size:
	.long image_end - sandsh_reaper_image
	.section .note.GNU-stack, "", %progbits
