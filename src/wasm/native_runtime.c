/* The native tier's runtime: awmg's implementation of the wasm-rt.h API, compiled into every guard shared
 * object at run time (see native_compiler.cpp). It keeps no process-global state in the host: traps and host
 * calls go through the awmg_host_api table the host binds once per shared object. Memory is a reservation of
 * 8 GiB + 64 KiB of address space, so every 32-bit address plus 32-bit offset the generated code can form
 * lands in it; pages beyond the current size stay inaccessible and an access there faults, which the host's
 * signal handler turns into an out-of-bounds trap. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "wasm-rt.h"

#define AWMG_API __attribute__((visibility("default")))

typedef struct {
  uint64_t (*dispatch)(void* ctx, uint32_t import_index, const uint64_t* args, int* unwind);
  void (*trap)(int code); /* never returns */
} awmg_host_api;

static const awmg_host_api* awmg_host;

void wasm_rt_init(void) {}
bool wasm_rt_is_initialized(void) {
  return true;
}
void wasm_rt_free(void) {}

void wasm_rt_trap(wasm_rt_trap_t code) {
  awmg_host->trap((int)code);
  abort();
}

const char* wasm_rt_strerror(wasm_rt_trap_t trap) {
  switch (trap) {
    case WASM_RT_TRAP_NONE: return "no error";
    case WASM_RT_TRAP_OOB: return "out of bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW: return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO: return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE: return "unreachable";
    case WASM_RT_TRAP_CALL_INDIRECT: return "indirect call type mismatch";
    default: return "trap";
  }
}

/* Function types, interned by shape so call_indirect can compare indices; index 0 means "no type". Only
 * called while the module initializes, which the host serializes. */
typedef struct {
  uint32_t count;
  uint32_t params;
  wasm_rt_type_t* types;
} awmg_func_type;

static awmg_func_type* awmg_types;
static uint32_t awmg_type_count;

uint32_t wasm_rt_register_func_type(uint32_t params, uint32_t results, ...) {
  uint32_t count = params + results;
  wasm_rt_type_t* types = malloc((count ? count : 1) * sizeof(wasm_rt_type_t));
  va_list args;
  va_start(args, results);
  for (uint32_t i = 0; i < count; ++i) types[i] = (wasm_rt_type_t)va_arg(args, int);
  va_end(args);
  for (uint32_t i = 0; i < awmg_type_count; ++i) {
    awmg_func_type* known = &awmg_types[i];
    if (known->count == count && known->params == params &&
        memcmp(known->types, types, count * sizeof(wasm_rt_type_t)) == 0) {
      free(types);
      return i + 1;
    }
  }
  awmg_types = realloc(awmg_types, (awmg_type_count + 1) * sizeof(awmg_func_type));
  awmg_types[awmg_type_count] = (awmg_func_type){count, params, types};
  return ++awmg_type_count;
}

/* The registry lives as long as the shared object: freed when the host closes it. */
__attribute__((destructor)) static void awmg_free_types(void) {
  for (uint32_t i = 0; i < awmg_type_count; ++i) free(awmg_types[i].types);
  free(awmg_types);
  awmg_types = NULL;
  awmg_type_count = 0;
}

#define AWMG_PAGE 65536ull
#define AWMG_RESERVATION ((8ull << 30) + AWMG_PAGE)

void wasm_rt_allocate_memory(wasm_rt_memory_t* memory, uint32_t initial_pages, uint32_t max_pages) {
  void* base = mmap(NULL, AWMG_RESERVATION, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) wasm_rt_trap(WASM_RT_TRAP_OOB);
  if (initial_pages && mprotect(base, initial_pages * AWMG_PAGE, PROT_READ | PROT_WRITE) != 0) {
    munmap(base, AWMG_RESERVATION);
    wasm_rt_trap(WASM_RT_TRAP_OOB);
  }
  memory->data = base;
  memory->pages = initial_pages;
  memory->max_pages = max_pages;
  memory->size = (uint32_t)(initial_pages * AWMG_PAGE);
}

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* memory, uint32_t delta) {
  uint32_t old_pages = memory->pages;
  uint64_t new_pages = (uint64_t)old_pages + delta;
  if (new_pages > memory->max_pages || new_pages > 65536) return (uint32_t)-1;
  if (delta == 0) return old_pages;
  if (mprotect(memory->data + old_pages * AWMG_PAGE, delta * AWMG_PAGE, PROT_READ | PROT_WRITE) != 0)
    return (uint32_t)-1;
  memory->pages = (uint32_t)new_pages;
  memory->size = (uint32_t)(new_pages * AWMG_PAGE);
  return old_pages;
}

void wasm_rt_free_memory(wasm_rt_memory_t* memory) {
  if (memory->data) munmap(memory->data, AWMG_RESERVATION);
  memory->data = NULL;
}

#define AWMG_TABLE_FUNCTIONS(kind, elem_type, null_value)                                                  \
  void wasm_rt_allocate_##kind##_table(wasm_rt_##kind##_table_t* table, uint32_t elements,                 \
                                       uint32_t max_elements) {                                            \
    table->data = calloc(elements ? elements : 1, sizeof(elem_type));                                      \
    if (!table->data) wasm_rt_trap(WASM_RT_TRAP_OOB);                                                      \
    for (uint32_t i = 0; i < elements; ++i) table->data[i] = null_value;                                   \
    table->size = elements;                                                                                \
    table->max_size = max_elements;                                                                        \
  }                                                                                                        \
  void wasm_rt_free_##kind##_table(wasm_rt_##kind##_table_t* table) {                                       \
    free(table->data);                                                                                     \
    table->data = NULL;                                                                                    \
  }                                                                                                        \
  uint32_t wasm_rt_grow_##kind##_table(wasm_rt_##kind##_table_t* table, uint32_t delta, elem_type init) {  \
    uint32_t old_size = table->size;                                                                       \
    uint64_t new_size = (uint64_t)old_size + delta;                                                        \
    if (new_size > table->max_size || new_size > (1u << 24)) return (uint32_t)-1;                          \
    if (delta == 0) return old_size;                                                                       \
    elem_type* data = realloc(table->data, new_size * sizeof(elem_type));                                  \
    if (!data) return (uint32_t)-1;                                                                        \
    for (uint64_t i = old_size; i < new_size; ++i) data[i] = init;                                         \
    table->data = data;                                                                                    \
    table->size = (uint32_t)new_size;                                                                      \
    return old_size;                                                                                       \
  }

AWMG_TABLE_FUNCTIONS(funcref, wasm_rt_funcref_t, wasm_rt_funcref_null_value)
AWMG_TABLE_FUNCTIONS(externref, wasm_rt_externref_t, wasm_rt_externref_null_value)

/* Host calls from the generated import wrappers: a host function may ask to end the guest (proc_exit). */
static uint64_t awmg_host_call(void* ctx, uint32_t import_index, const uint64_t* args) {
  int unwind = 0;
  uint64_t value = awmg_host->dispatch(ctx, import_index, args, &unwind);
  if (unwind) wasm_rt_trap(WASM_RT_TRAP_NONE);
  return value;
}
