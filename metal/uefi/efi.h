/* efi.h: the few UEFI types, tables and protocols the loader uses, declared from the
 * UEFI Specification 2.10 (chapters 4, 7, 12.9, 13.4, 13.5).  Only the members we call
 * are typed; the others are `void *` placeholders that keep the offsets right.
 * Included by the loader's files (and their host unit tests, which call nothing).
 */
#ifndef WASMOS_METAL_UEFI_EFI_H
#define WASMOS_METAL_UEFI_EFI_H

#include <stddef.h>
#include <stdint.h>

/* UEFI calls use the Microsoft x64 convention: the default of the clang target we
 * build for, spelt out so that host compilers agree on the types. */
#define EFIAPI __attribute__((ms_abi))

typedef uint64_t efi_status;
typedef void *efi_handle;
typedef uint16_t efi_char16;   /* UCS-2 */

#define EFI_ERROR_BIT (1ull << 63)
enum {
	EFI_SUCCESS = 0,
	EFI_LOAD_ERROR = 1,
	EFI_INVALID_PARAMETER = 2,
	EFI_UNSUPPORTED = 3,
	EFI_BUFFER_TOO_SMALL = 5,
	EFI_NOT_FOUND = 14,
};
#define EFI_ERR(code) (EFI_ERROR_BIT | (code))

typedef struct {
	uint32_t a;
	uint16_t b, c;
	uint8_t d[8];
} efi_guid;

typedef struct {
	uint64_t signature;
	uint32_t revision, header_size, crc32, reserved;
} efi_table_header;

/* Memory (section 7.2). */
enum { EFI_ALLOCATE_ANY = 0, EFI_ALLOCATE_MAX_ADDRESS = 1, EFI_ALLOCATE_ADDRESS = 2 };
enum {
	EFI_RESERVED_MEMORY = 0,
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_RUNTIME_SERVICES_CODE = 5,
	EFI_RUNTIME_SERVICES_DATA = 6,
	EFI_CONVENTIONAL_MEMORY = 7,
	EFI_UNUSABLE_MEMORY = 8,
	EFI_ACPI_RECLAIM_MEMORY = 9,
	EFI_ACPI_MEMORY_NVS = 10,
	EFI_MEMORY_MAPPED_IO = 11,
};
#define EFI_PAGE_SIZE 4096u

/* One memory map entry.  Firmware may hand out larger ones: step by the descriptor
 * size GetMemoryMap returns, never by sizeof. */
typedef struct {
	uint32_t type;
	uint64_t physical_start, virtual_start, pages, attribute;
} efi_memory_descriptor;

typedef struct {
	void *reset;
	efi_status(EFIAPI *output_string)(void *self, const efi_char16 *s);
} efi_text_output;

typedef struct {
	efi_table_header hdr;
	void *raise_tpl, *restore_tpl;
	efi_status(EFIAPI *allocate_pages)(int type, int memory_type, uint64_t pages, uint64_t *addr);
	efi_status(EFIAPI *free_pages)(uint64_t addr, uint64_t pages);
	efi_status(EFIAPI *get_memory_map)(uint64_t *size, efi_memory_descriptor *map, uint64_t *key,
					   uint64_t *desc_size, uint32_t *desc_version);
	efi_status(EFIAPI *allocate_pool)(int memory_type, uint64_t size, void **out);
	efi_status(EFIAPI *free_pool)(void *p);
	void *create_event, *set_timer, *wait_for_event, *signal_event, *close_event, *check_event;
	void *install_protocol_interface, *reinstall_protocol_interface, *uninstall_protocol_interface;
	efi_status(EFIAPI *handle_protocol)(efi_handle h, const efi_guid *guid, void **out);
	void *reserved, *register_protocol_notify, *locate_handle, *locate_device_path;
	void *install_configuration_table;
	void *load_image, *start_image, *exit, *unload_image;
	efi_status(EFIAPI *exit_boot_services)(efi_handle image, uint64_t key);
	void *get_next_monotonic_count;
	efi_status(EFIAPI *stall)(uint64_t microseconds);
	efi_status(EFIAPI *set_watchdog_timer)(uint64_t seconds, uint64_t code, uint64_t size,
					       const efi_char16 *data);
	void *connect_controller, *disconnect_controller;
	void *open_protocol, *close_protocol, *open_protocol_information;
	void *protocols_per_handle, *locate_handle_buffer;
	efi_status(EFIAPI *locate_protocol)(const efi_guid *guid, void *registration, void **out);
} efi_boot_services;

typedef struct {
	efi_guid guid;
	void *table;
} efi_configuration_table;

typedef struct {
	efi_table_header hdr;
	efi_char16 *firmware_vendor;
	uint32_t firmware_revision;
	efi_handle console_in_handle;
	void *con_in;
	efi_handle console_out_handle;
	efi_text_output *con_out;
	efi_handle standard_error_handle;
	efi_text_output *std_err;
	void *runtime_services;
	efi_boot_services *boot_services;
	uint64_t n_configuration_tables;
	efi_configuration_table *configuration_tables;
} efi_system_table;

/* EFI_LOADED_IMAGE_PROTOCOL (section 9.1): where we were loaded from, and our
 * command line (load options, UCS-2 when they are text at all). */
#define EFI_LOADED_IMAGE_GUID { 0x5B1B31A1, 0x9562, 0x11d2, { 0x8E, 0x3F, 0x00, 0xA0, 0xC9, 0x69, 0x72, 0x3B } }
typedef struct {
	uint32_t revision;
	efi_handle parent;
	efi_system_table *system_table;
	efi_handle device;
	void *file_path;
	void *reserved;
	uint32_t load_options_size;
	void *load_options;
	void *image_base;
	uint64_t image_size;
	int image_code_type, image_data_type;
	void *unload;
} efi_loaded_image;

/* EFI_SIMPLE_FILE_SYSTEM_PROTOCOL and EFI_FILE_PROTOCOL (sections 13.4, 13.5). */
#define EFI_SIMPLE_FILE_SYSTEM_GUID { 0x964e5b22, 0x6459, 0x11d2, { 0x8e, 0x39, 0x00, 0xa0, 0xc9, 0x69, 0x72, 0x3b } }
#define EFI_FILE_MODE_READ 1ull
typedef struct efi_file efi_file;
struct efi_file {
	uint64_t revision;
	efi_status(EFIAPI *open)(efi_file *self, efi_file **out, const efi_char16 *name, uint64_t mode,
				 uint64_t attributes);
	efi_status(EFIAPI *close)(efi_file *self);
	void *delete_file;
	efi_status(EFIAPI *read)(efi_file *self, uint64_t *size, void *buf);
	void *write;
	efi_status(EFIAPI *get_position)(efi_file *self, uint64_t *pos);
	efi_status(EFIAPI *set_position)(efi_file *self, uint64_t pos);   /* ~0: the end */
};
typedef struct {
	uint64_t revision;
	efi_status(EFIAPI *open_volume)(void *self, efi_file **root);
} efi_simple_file_system;

/* EFI_GRAPHICS_OUTPUT_PROTOCOL (section 12.9). */
#define EFI_GOP_GUID { 0x9042a9de, 0x23dc, 0x4a38, { 0x96, 0xfb, 0x7a, 0xde, 0xd0, 0x80, 0x51, 0x6a } }
enum { EFI_PIXEL_RGBX = 0, EFI_PIXEL_BGRX = 1, EFI_PIXEL_BITMASK = 2, EFI_PIXEL_BLT_ONLY = 3 };
typedef struct {
	uint32_t version, width, height;
	int pixel_format;
	uint32_t red_mask, green_mask, blue_mask, reserved_mask;   /* EFI_PIXEL_BITMASK only */
	uint32_t pixels_per_scan_line;
} efi_gop_mode_info;
typedef struct {
	uint32_t max_mode, mode;
	efi_gop_mode_info *info;
	uint64_t info_size;
	uint64_t frame_buffer_base, frame_buffer_size;
} efi_gop_mode;
typedef struct efi_gop efi_gop;
struct efi_gop {
	efi_status(EFIAPI *query_mode)(efi_gop *self, uint32_t mode, uint64_t *size,
				       efi_gop_mode_info **info);
	efi_status(EFIAPI *set_mode)(efi_gop *self, uint32_t mode);
	void *blt;
	efi_gop_mode *mode;
};

/* Configuration table entries with the ACPI RSDP (section 4.6). */
#define EFI_ACPI_20_TABLE_GUID { 0x8868e871, 0xe4f1, 0x11d3, { 0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81 } }
#define EFI_ACPI_10_TABLE_GUID { 0xeb9d2d30, 0x2d88, 0x11d3, { 0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d } }

#endif
