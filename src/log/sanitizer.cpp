#include "log/sanitizer.hpp"

#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace awmg::log {
namespace {

struct Rule {
  std::unique_ptr<RE2> re;
  bool keep_key;  // "key=secret" -> "key=[REDACTED]"
};

struct Rules {
  std::vector<Rule> list;
  std::unique_ptr<RE2::Set> any;  // one pass that tells which rules match, so clean text costs one scan
};

const Rules& rules() {
  static const Rules all = [] {
    Rules built;
    built.any = std::make_unique<RE2::Set>(RE2::DefaultOptions, RE2::UNANCHORED);
    auto& r = built.list;
    auto add = [&built, &r](const char* pattern, bool keep_key) {
      r.push_back({std::make_unique<RE2>(pattern), keep_key});
      built.any->Add(pattern, nullptr);
    };
    // JSON string fields named like secrets: "token": "value" -> "token":"[REDACTED]"
    add(R"re((?i)"(token|password|passwd|pwd|apikey|api_key|api-key|secret|client_secret|api_secret|)re"
        R"re(authorization|auth|key|private_key|public_key|credentials|credential|access_token|refresh_token|)re"
        R"re(bearer_token)"\s*:\s*"(?:[^"\\]|\\.)*")re",
        true);
    add(R"((?i)(apikey|api_key|access_key)[=:]\s*\S{8,})", true);
    add(R"((?i)(client_secret|client_id)[=:]\s*\S{8,})", true);
    add(R"((?i)(token|key|secret|password|auth)[=:]\s*\S{8,})", true);
    add(R"(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})", false);
    add(R"(ghp_[A-Za-z0-9]{36,})", false);
    add(R"((?i)authorization:\s*[A-Za-z0-9\-._~+/ ]+=*)", true);
    add(R"((?i)bearer\s+[A-Za-z0-9\-._~+/]+=*)", false);
    add(R"([\w-]{20,}\.eyJ[\w-]+\.[\w-]+)", false);
    add(R"([a-f0-9]{32,})", false);
    built.any->Compile();
    return built;
  }();
  return all;
}

// Replaces every match of `rule` in `text`.
std::string redact_matches(const Rule& rule, const std::string& text) {
  std::string out;
  re2::StringPiece input(text);
  re2::StringPiece match;
  size_t last = 0;
  while (last <= text.size() && rule.re->Match(input, last, text.size(), RE2::UNANCHORED, &match, 1)) {
    size_t begin = static_cast<size_t>(match.data() - text.data());
    out.append(text, last, begin - last);
    std::string_view m(match.data(), match.size());
    if (rule.keep_key && m.size() > 0) {
      if (m.front() == '"') {
        auto colon = m.find(':');
        out.append(m.substr(0, colon));
        out.append(":\"[REDACTED]\"");
      } else {
        auto sep = m.find_first_of("=:");
        if (sep != std::string_view::npos) {
          out.append(m.substr(0, sep));
          out.append("=[REDACTED]");
        } else {
          out.append("[REDACTED]");
        }
      }
    } else {
      out.append("[REDACTED]");
    }
    last = begin + match.size();
    if (match.empty()) {
      if (last < text.size()) out.push_back(text[last]);
      ++last;
    }
  }
  if (last < text.size()) out.append(text, last, std::string::npos);
  return out;
}

}  // namespace

std::string sanitize(std::string_view text) {
  const Rules& all = rules();
  std::vector<int> matched;
  if (!all.any->Match(re2::StringPiece(text.data(), text.size()), &matched)) return std::string(text);
  std::string out(text);
  for (size_t i = 0; i < all.list.size(); ++i) {  // in rule order: earlier rules shape what later ones see
    if (std::find(matched.begin(), matched.end(), static_cast<int>(i)) == matched.end()) continue;
    if (RE2::PartialMatch(out, *all.list[i].re)) out = redact_matches(all.list[i], out);
  }
  return out;
}

std::string short_session_id(std::string_view id) {
  if (id.empty()) return "(none)";
  return std::string(id.substr(0, 8));
}

}  // namespace awmg::log
