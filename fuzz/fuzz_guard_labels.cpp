// What a guard returns (label_agent, label_resource, label_response outputs, path labels included) and the
// policies an operator or a config gives: the parsers that turn them into DIFC labels.
#include <cstdint>
#include <string>

#include "guard/label_parse.hpp"
#include "guard/policy.hpp"

using namespace awmg;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)guard::parse_agent_labels(text);
  (void)guard::parse_resource_labels(text);
  (void)guard::parse_response_labels(text);
  if (auto policy = guard::parse_policy(text)) (void)guard::label_agent_payload(*policy, {"bot"});
  (void)guard::parse_server_policies(text, "github");
  return 0;
}
