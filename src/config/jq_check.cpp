#include "config/jq_check.hpp"

#include <re2/re2.h>

extern "C" {
#include <jq.h>
}

#include "base/strings.hpp"

namespace awmg::config {
namespace {

void collect_error(void* data, jv message) {
  auto* out = static_cast<std::string*>(data);
  if (jv_get_kind(message) == JV_KIND_STRING && out->empty()) {
    *out = jv_string_value(message);
  }
  jv_free(message);
}

}  // namespace

Status check_jq_expression(const std::string& expression) {
  // `$ENV` however spelled (`$ ENV`, a comment between): the word ENV at all; `.env` and `"env"` are fields.
  static const RE2 env_use(R"((\bENV\b|(^|[^$\w.\"])env\b))");
  if (RE2::PartialMatch(expression, env_use))
    return Error{"$ENV and env are not available to response filters"};
  jq_state* jq = jq_init();
  if (!jq) return Error{"jq: cannot initialise"};
  std::string message;
  jq_set_error_cb(jq, collect_error, &message);
  int compiled = jq_compile(jq, expression.c_str());
  jq_teardown(&jq);
  if (compiled) return ok_status();
  if (base::starts_with(message, "jq: error: ")) message = message.substr(11);
  message = std::string(base::trim(message));
  return Error{message.empty() ? "compile error" : message};
}

}  // namespace awmg::config
