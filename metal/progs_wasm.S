/* progs_wasm.S: the test programs metal can run instead of hello ("run=NAME",
 * main.c), embedded like hello_wasm.S until metal can load programs from modules. */
	.section .rodata
	.align 16
	.global metal_sleep_wasm, metal_sleep_wasm_end
metal_sleep_wasm:
	.incbin "build/programs/metal/sleep.wasm"
metal_sleep_wasm_end:
	.global metal_random_wasm, metal_random_wasm_end
metal_random_wasm:
	.incbin "build/programs/wasi-tests/random.wasm"	/* getentropy: random.get */
metal_random_wasm_end:
	.global metal_readline_wasm, metal_readline_wasm_end
metal_readline_wasm:
	.incbin "build/programs/metal/readline.wasm"	/* stdin.read: keyboard, COM1 */
metal_readline_wasm_end:
	.global metal_clocks_wasm, metal_clocks_wasm_end
metal_clocks_wasm:
	.incbin "build/programs/wasi-tests/clocks.wasm"	/* system-time.now: rtc.c */
metal_clocks_wasm_end:
	.global metal_lspci_wasm, metal_lspci_wasm_end
metal_lspci_wasm:
	.incbin "build/programs/lspci.wasm"	/* pci.list: pci.c */
metal_lspci_wasm_end:
	.global metal_keys_wasm, metal_keys_wasm_end
metal_keys_wasm:
	.incbin "build/programs/keys.wasm"	/* keyboard.next: keyboard.c */
metal_keys_wasm_end:
	.global metal_fbdemo_wasm, metal_fbdemo_wasm_end
metal_fbdemo_wasm:
	.incbin "build/programs/fbdemo.wasm"	/* framebuffer: framebuffer.c */
metal_fbdemo_wasm_end:

	.section .note.GNU-stack, "", @progbits
