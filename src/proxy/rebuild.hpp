#pragma once
#include <string>
#include <vector>

#include "base/result.hpp"
#include "difc/labeled_data.hpp"
#include "json/json.hpp"

namespace awmg::proxy {

// The answer a client gets when some items were filtered out, in the shape upstream's answer had: an array
// of the items left; a search envelope with its items replaced, `total_count` the number left and
// `incomplete_results` false; a GraphQL answer with the labelled `nodes` replaced and their `totalCount`
// the number left. `document` is upstream's answer, parsed; it is changed.
Result<std::string> rebuild_response(json::Document& document, const difc::ResponseLabels& labels,
                                     const std::vector<const difc::Item*>& accessible);

// What a client gets of a write's answer: the fields that identify what was written (id, number, url,
// html_url, upload_url, state, sha, name, ref, timestamps), of the object or of each object in an array; {}
// for anything else. The rest (the body of an issue, a pull request's diff) is data the agent would read.
std::string write_receipt(const std::string& answer);

// An answer that holds nothing, shaped like upstream's: [] for an array, {"data":null} for a GraphQL
// answer, {} for any other object.
std::string empty_response(const json::Value& document);

}  // namespace awmg::proxy
