/* A demo guard with alloc/dealloc: labels repository tools. Private repositories ("repo" names starting with
 * "private") are secret; create_/update_/delete_/push_ tools write. It keeps the policy label_agent received in
 * guard-global state, as real guards do, and reports it in every resource description. */
#include <stdio.h>
#include <stdlib.h>

#include "guard_abi.h"

static char policy[1024] = "none";

GUARD_EXPORT("alloc") void* guard_alloc(int32_t size) {
  return malloc((size_t)size);
}

GUARD_EXPORT("dealloc") void guard_dealloc(void* ptr, int32_t size) {
  (void)size;
  free(ptr);
}

GUARD_EXPORT("label_agent") int32_t label_agent(const char* in, int32_t in_len, char* out, int32_t cap) {
  char mode[32] = "filter";
  json_string_field(in, (size_t)in_len, "mode", mode, sizeof mode);
  size_t n = (size_t)in_len < sizeof policy - 1 ? (size_t)in_len : sizeof policy - 1;
  for (size_t i = 0; i < n; ++i) policy[i] = in[i] == '"' ? '\'' : in[i];
  policy[n] = 0;
  static char text[256];
  text_builder b = {text, 0, sizeof text};
  text_add(&b, "{\"agent\":{\"secrecy\":[],\"integrity\":[\"approved\"]},\"difc_mode\":\"");
  text_add(&b, mode);
  text_add(&b, "\",\"normalized_policy\":{}}");
  return guard_output(text, b.len, out, cap);
}

static int starts_with(const char* text, const char* prefix) {
  return strncmp(text, prefix, strlen(prefix)) == 0;
}

static void spin(void) {
  volatile int forever = 1;
  while (forever) {
  }
}

GUARD_EXPORT("label_resource") int32_t label_resource(const char* in, int32_t in_len, char* out, int32_t cap) {
  char tool[128] = "";
  char repo[128] = "";
  json_string_field(in, (size_t)in_len, "tool_name", tool, sizeof tool);
  json_string_field(in, (size_t)in_len, "repo", repo, sizeof repo);
  if (strcmp(tool, "trap_now") == 0) __builtin_trap();
  if (strcmp(tool, "spin") == 0) spin();
  if (strcmp(tool, "log_levels") == 0) {
    fprintf(stderr, "demo guard: writes to stderr\n");
    guard_log(LOG_DEBUG, "debug from demo guard");
    guard_log(LOG_INFO, "info from demo guard");
    guard_log(LOG_WARN, "warn from demo guard");
    guard_log(LOG_ERROR, "error from demo guard");
  }
  int32_t backend = 0;
  if (strcmp(tool, "backend_probe") == 0) {
    static char result[4096];
    const char* args = "{\"repo\":\"probe\"}";
    backend = call_backend("get_repository", 14, args, (int32_t)strlen(args), result, sizeof result - 1);
  }
  int write = starts_with(tool, "create_") || starts_with(tool, "update_") || starts_with(tool, "delete_") ||
              starts_with(tool, "push_");
  static char text[4096];
  text_builder b = {text, 0, sizeof text};
  text_add(&b, "{\"resource\":{\"description\":\"");
  text_add(&b, tool);
  text_add(&b, " (policy: ");
  text_add(&b, policy);
  if (strcmp(tool, "backend_probe") == 0) {
    text_add(&b, ", backend=");
    text_add_int(&b, backend);
  }
  text_add(&b, ")\",\"secrecy\":[");
  if (starts_with(repo, "private")) {
    text_add(&b, "\"private:");
    text_add(&b, repo);
    text_add(&b, "\"");
  }
  text_add(&b, "],\"integrity\":[]},\"operation\":\"");
  text_add(&b, write ? "write" : "read");
  text_add(&b, "\"}");
  return guard_output(text, b.len, out, cap);
}

GUARD_EXPORT("label_response") int32_t label_response(const char* in, int32_t in_len, char* out, int32_t cap) {
  (void)in;
  (void)in_len;
  return guard_output("{}", 2, out, cap);
}
