/* bundle_car.S: the boot bundle the kernel image carries (bundle.c):
 * build/metal/system.car, which `wasmos pack` makes from system/metal.sys. */
	.section .rodata
	.global metal_bundle_car, metal_bundle_car_end
	.align 16
metal_bundle_car:
	.incbin "build/metal/system.car"
metal_bundle_car_end:

	.section .note.GNU-stack, "", @progbits
