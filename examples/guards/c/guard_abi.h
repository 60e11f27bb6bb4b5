/* The awmg / gh-aw-mcpg guard ABI, for guards written in C (clang --target=wasm32-wasi -mexec-model=reactor).
 *
 * The host calls each label function as fn(in_ptr, in_len, out_ptr, out_cap) -> n:
 *   n >= 0  n bytes of UTF-8 JSON were written at out_ptr (n <= out_cap)
 *   -2      the output buffer is too small; write the size you need as a little-endian u32 at out_ptr
 *   other   an error
 * Memory ownership: when the guard exports both alloc(size) -> ptr and dealloc(ptr, size), the host allocates
 * the input and output buffers with them before each call and frees both after it; the guard never frees them.
 * Without both exports the host places the buffers at the end of linear memory itself (growing it when
 * needed) and warns once per guard: guard data near the top of memory may be overwritten. The memory ceiling
 * is the host's: 512 pages (32 MiB); a module that declares more is refused. Guards must not rely on
 * _initialize or _start: the host never calls them. */
#ifndef AWMG_GUARD_ABI_H
#define AWMG_GUARD_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __wasm__
#define GUARD_EXPORT(name) __attribute__((export_name(name)))
#define GUARD_IMPORT(name) __attribute__((import_module("env"), import_name(name)))
#else /* the same guard logic built natively, as the baseline of bench/guard_bench.cpp */
#define GUARD_EXPORT(name)
#define GUARD_IMPORT(name)
#endif

GUARD_IMPORT("call_backend")
int32_t call_backend(const char* tool, int32_t tool_len, const char* args, int32_t args_len, char* result,
                     int32_t result_cap);
GUARD_IMPORT("host_log") void host_log(int32_t level, const char* msg, int32_t msg_len);

enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 };

static inline void guard_log(int level, const char* text) {
  host_log(level, text, (int32_t)strlen(text));
}

/* Copies the string value of the first "key":"..." in json (no escapes decoded) into out; returns its length
 * or -1. Enough for the flat request objects the host sends. */
static inline int json_string_field(const char* json, size_t len, const char* key, char* out, size_t cap) {
  size_t key_len = strlen(key);
  for (size_t i = 0; i + key_len + 3 < len; ++i) {
    if (json[i] != '"' || memcmp(json + i + 1, key, key_len) != 0 || json[i + 1 + key_len] != '"') continue;
    size_t j = i + key_len + 2;
    while (j < len && (json[j] == ' ' || json[j] == ':')) ++j;
    if (j >= len || json[j] != '"') return -1;
    size_t start = ++j;
    while (j < len && json[j] != '"') j += json[j] == '\\' ? 2 : 1;
    size_t n = j - start;
    if (j >= len || n + 1 > cap) return -1;
    memcpy(out, json + start, n);
    out[n] = 0;
    return (int)n;
  }
  return -1;
}

/* A bounded string builder: guards build their JSON output with it instead of printf. */
typedef struct {
  char* data;
  size_t len, cap;
} text_builder;

static inline void text_add(text_builder* b, const char* text) {
  size_t n = strlen(text);
  if (b->len + n < b->cap) memcpy(b->data + b->len, text, n);
  b->len += n;
}

static inline void text_add_int(text_builder* b, long value) {
  char digits[24];
  size_t n = 0;
  unsigned long magnitude = value < 0 ? 0ul - (unsigned long)value : (unsigned long)value;
  do {
    digits[sizeof digits - 1 - n++] = (char)('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude);
  if (value < 0) digits[sizeof digits - 1 - n++] = '-';
  if (b->len + n < b->cap) memcpy(b->data + b->len, digits + sizeof digits - n, n);
  b->len += n;
}

/* Writes text to the output buffer under the -2 protocol. */
static inline int32_t guard_output(const char* text, size_t len, char* out, int32_t cap) {
  if (len > (size_t)cap) {
    if (cap >= 4) {
      uint32_t need = (uint32_t)len;
      memcpy(out, &need, 4);
    }
    return -2;
  }
  memcpy(out, text, len);
  return (int32_t)len;
}

#endif
