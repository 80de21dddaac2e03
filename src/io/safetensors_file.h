#ifndef MRW_IO_SAFETENSORS_FILE_H
#define MRW_IO_SAFETENSORS_FILE_H

/* The model file reader's insides, shared by its two ways in: the whole file in one buffer
 * (safetensors.c) and a file written in parts, each tensor into a block of its own
 * (safetensors_stream.c). Not for use outside src/io. */

#include <stddef.h>
#include <stdint.h>

#include "base/status.h"
#include "io/json.h"
#include "io/safetensors.h"

#define MRW_SAFETENSORS_PREFIX_BYTES 8              /* the header length, u64 little-endian */
#define MRW_SAFETENSORS_HEADER_MAX_BYTES 100000000u /* 100 MB, as the reference reader */

/* Largest file, compressed or not: 4 GB, or what a 32-bit address space can hold. */
#if SIZE_MAX > 0xFFFFFFFFu
#define MRW_SAFETENSORS_FILE_MAX_BYTES ((size_t)1 << 32)
#else
#define MRW_SAFETENSORS_FILE_MAX_BYTES (SIZE_MAX - 4 * MRW_MODEL_FILE_ALIGNMENT)
#endif

typedef struct mrw_tensor_entry {
  mrw_tensor_view view; /* first: a view found by name is its entry */
  size_t begin;         /* where its bytes begin in the data buffer */
  unsigned char *block; /* its own bytes, when the file keeps tensors apart; else NULL */
  int released;         /* its block was freed by mrw_safetensors_release */
} mrw_tensor_entry;

struct mrw_safetensors {
  unsigned char *storage;      /* the whole file, shifted to align the data buffer; or NULL
                                  when each tensor has a block of its own */
  mrw_json *header;            /* parsed header: owns the tensor names and metadata strings */
  const mrw_json *metadata;    /* the "__metadata__" object, or NULL */
  mrw_tensor_entry *tensors;   /* in data-offset order */
  size_t tensor_count;
  const mrw_tensor_view **by_name; /* the same tensors in name order, for lookup */
  size_t data_size;                /* the data buffer's length */
  int blocks_for_taking;           /* mrw_safetensors_take_block may hand blocks over */
};

/* The header length that a file's first 8 bytes give. */
uint64_t mrw_safetensors_header_length(const void *prefix);

/* Parses and checks a header (header_length bytes of JSON) for a data buffer of data_size
 * bytes into file: the tensors' names, types, shapes and where they begin, sorted by offset
 * and tiling the buffer, indexed by name. Binds no data. Messages as the whole-file reader's.
 * data_size MRW_SAFETENSORS_DATA_AS_DESCRIBED takes the largest end the entries give (and
 * fails when one has no end of the expected form). file->data_size is the size used. */
#define MRW_SAFETENSORS_DATA_AS_DESCRIBED SIZE_MAX
mrw_status mrw_safetensors_parse_header(mrw_safetensors *file, const char *header,
                                        size_t header_length, size_t data_size, mrw_error *err);

/* Once the data is bound: pairs every I8 tensor with its scales, checking them. */
mrw_status mrw_safetensors_pair_scales(mrw_safetensors *file, mrw_error *err);

/* The message the whole-file reader gives when a file's data buffer, described by the parsed
 * header as `described` bytes, has `actual` bytes instead (the file was cut short or goes on
 * past its last tensor). */
mrw_status mrw_safetensors_size_error(const mrw_safetensors *file, size_t described,
                                      size_t actual, mrw_error *err);


#endif
