#pragma once
#include <string>

#include "gateway/guards.hpp"

namespace awmg::gateway {

// The /reflect body: every agent's labels (tags sorted), the default mode, the time.
std::string reflect_document(Guards& guards);

}  // namespace awmg::gateway
