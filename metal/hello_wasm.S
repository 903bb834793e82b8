/* hello_wasm.S: the Wasm program metal runs at boot, build/programs/hello.wasm (plain
 * WASI, built by sdk/program.mk), embedded in the image until metal can load
 * programs from multiboot modules or a disk. */
	.section .rodata
	.global metal_hello_wasm, metal_hello_wasm_end
	.align 16
metal_hello_wasm:
	.incbin "build/programs/hello.wasm"
metal_hello_wasm_end:

	.section .note.GNU-stack, "", @progbits
