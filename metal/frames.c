/* frames.c: the physical frame allocator.  4 KiB frames below 4 GiB (what boot.S
 * identity-maps, so a frame's physical address is also its kernel address).
 *
 * One bit per frame, set when the frame is not free.  Everything starts used; the
 * available ranges of the multiboot memory map are then freed, less the first MiB
 * (BIOS data, and where the loader put the multiboot info), the kernel image up to
 * __bss_end, and the modules.  Allocation is first fit over contiguous runs, because
 * the heap asks for runs (Wasm linear memories are many frames); a run search starts
 * at a hint past the last allocation so the common case does not rescan the start.
 * The bitmap is the only state: a true singleton of the machine.
 */
#include "metal.h"
#include "multiboot.h"

#define FRAME_LIMIT (1ull << 32)
#define NFRAMES (FRAME_LIMIT / METAL_FRAME_SIZE)

static uint64_t used[NFRAMES / 64];
static size_t free_count;
static size_t hint;

extern char __bss_end[];

static int is_used(size_t f) { return (used[f / 64] >> (f % 64)) & 1; }
static void set_used(size_t f) { used[f / 64] |= 1ull << (f % 64); }
static void set_free(size_t f) { used[f / 64] &= ~(1ull << (f % 64)); }

/* Marks [start, end) used, rounded out to whole frames. */
static void reserve(uint64_t start, uint64_t end)
{
	for (uint64_t f = start / METAL_FRAME_SIZE; f < NFRAMES && f * METAL_FRAME_SIZE < end; f++) {
		if (!is_used(f)) {
			set_used(f);
			free_count--;
		}
	}
}

/* Frees the whole frames inside [start, end). */
static void release(uint64_t start, uint64_t end)
{
	if (end > FRAME_LIMIT)
		end = FRAME_LIMIT;
	uint64_t f = (start + METAL_FRAME_SIZE - 1) / METAL_FRAME_SIZE;
	for (; (f + 1) * METAL_FRAME_SIZE <= end; f++) {
		if (is_used(f)) {
			set_free(f);
			free_count++;
		}
	}
}

int metal_frames_init(uint32_t info_addr)
{
	const struct mb1_info *info = (const struct mb1_info *)(uintptr_t)info_addr;
	for (size_t i = 0; i < NFRAMES / 64; i++)
		used[i] = ~0ull;
	free_count = 0;
	if (!(info->flags & MB1_INFO_MMAP))
		return -1;
	uintptr_t p = info->mmap_addr, end = p + info->mmap_length;
	while (p < end) {
		const struct mb1_mmap *e = (const struct mb1_mmap *)p;
		if (e->type == 1 && e->addr < FRAME_LIMIT)
			release(e->addr, e->addr + e->len);
		p += e->size + 4;
	}
	reserve(0, 0x100000);
	reserve(0x100000, (uint64_t)(uintptr_t)__bss_end);
	if (info->flags & MB1_INFO_MODS) {
		const struct mb1_module *m = (const struct mb1_module *)(uintptr_t)info->mods_addr;
		for (uint32_t i = 0; i < info->mods_count; i++)
			reserve(m[i].start, m[i].end);
	}
	hint = 0;
	return 0;
}

uint64_t metal_frames_alloc(size_t n)
{
	if (n == 0 || n > free_count)
		return 0;
	/* Two passes: from the hint to the end, then from the start. */
	for (int pass = 0; pass < 2; pass++) {
		size_t f = pass ? 0 : hint, run = 0;
		for (; f < NFRAMES; f++) {
			if (used[f / 64] == ~0ull && f % 64 == 0) {  /* skip a full word at once */
				f += 63;
				run = 0;
				continue;
			}
			run = is_used(f) ? 0 : run + 1;
			if (run == n) {
				size_t first = f + 1 - n;
				for (size_t i = first; i <= f; i++)
					set_used(i);
				free_count -= n;
				hint = f + 1;
				return (uint64_t)first * METAL_FRAME_SIZE;
			}
		}
	}
	return 0;
}

void metal_frames_free(uint64_t addr, size_t n)
{
	size_t first = addr / METAL_FRAME_SIZE;
	for (size_t f = first; f < first + n; f++) {
		if (!is_used(f))
			metal_panic("frames: double free");
		set_free(f);
	}
	free_count += n;
}

size_t metal_frames_free_count(void)
{
	return free_count;
}
