/* Asks the host for a collaborator's permission (get_collaborator_permission, which the gateway answers through
 * GitHub's REST API) and labels the resource by the answer: an admin's call is public, anything else (no
 * answer, another permission) is private to the organisation. */
#include <string.h>

#include "guard_abi.h"

GUARD_EXPORT("label_agent") int32_t label_agent(const char* in, int32_t in_len, char* out, int32_t cap) {
  (void)in;
  (void)in_len;
  static const char text[] = "{\"agent\":{\"secrecy\":[],\"integrity\":[]},\"difc_mode\":\"strict\"}";
  return guard_output(text, sizeof text - 1, out, cap);
}

GUARD_EXPORT("label_resource") int32_t label_resource(const char* in, int32_t in_len, char* out, int32_t cap) {
  (void)in;
  (void)in_len;
  static const char tool[] = "get_collaborator_permission";
  static const char args[] = "{\"owner\":\"octo\",\"repo\":\"hello\",\"username\":\"alice\"}";
  static char result[4096];
  int32_t n = call_backend(tool, sizeof tool - 1, args, sizeof args - 1, result, sizeof result - 1);
  int admin = n > 0 && strstr(result, "\\\"permission\\\":\\\"admin\\\"") != NULL;
  static const char permitted[] =
      "{\"resource\":{\"description\":\"permitted\",\"secrecy\":[],\"integrity\":[]},\"operation\":\"read\"}";
  static const char refused[] =
      "{\"resource\":{\"description\":\"refused\",\"secrecy\":[\"private:octo\"],\"integrity\":[]},"
      "\"operation\":\"read\"}";
  return admin ? guard_output(permitted, sizeof permitted - 1, out, cap)
               : guard_output(refused, sizeof refused - 1, out, cap);
}

GUARD_EXPORT("label_response") int32_t label_response(const char* in, int32_t in_len, char* out, int32_t cap) {
  (void)in;
  (void)in_len;
  return guard_output("{}", 2, out, cap);
}
