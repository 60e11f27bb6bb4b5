/* A guard without alloc/dealloc: the host places its buffers at the end of linear memory (and warns once).
 * It allocates nothing itself, which is what makes that placement safe for it. */
#include <stdio.h>

#include "guard_abi.h"

GUARD_EXPORT("label_agent") int32_t label_agent(const char* in, int32_t in_len, char* out, int32_t cap) {
  (void)in;
  (void)in_len;
  static const char text[] = "{\"agent\":{\"secrecy\":[],\"integrity\":[]},\"difc_mode\":\"strict\"}";
  return guard_output(text, sizeof text - 1, out, cap);
}

GUARD_EXPORT("label_resource") int32_t label_resource(const char* in, int32_t in_len, char* out, int32_t cap) {
  (void)in;
  printf("static guard: %d input bytes\n", (int)in_len);
  fflush(stdout);
  static const char text[] =
      "{\"resource\":{\"description\":\"static\",\"secrecy\":[],\"integrity\":[]},\"operation\":\"read\"}";
  return guard_output(text, sizeof text - 1, out, cap);
}

GUARD_EXPORT("label_response") int32_t label_response(const char* in, int32_t in_len, char* out, int32_t cap) {
  (void)in;
  (void)in_len;
  return guard_output("{}", 2, out, cap);
}
