#pragma once
#include <functional>
#include <string_view>

#include "wasm/host.hpp"

namespace awmg::wasm {

// Where a guard's stdout (fd 1) and stderr (fd 2) go. Default: the gateway's stderr, keeping stdout clean.
using GuardOutput = std::function<void(int fd, std::string_view bytes)>;

// The complete WASI preview1 host module as upstream's gateway configures it: no arguments, no environment,
// no preopened directories, stdin at EOF, stdout and stderr to `output`; deterministic clocks that advance 1
// ms per read, clock sleeps in poll_oneoff that return at once, and a deterministic random_get. Calls that
// need something the sandbox does not have answer EBADF (no such descriptor) or ENOSYS.
HostFunctions wasi_preview1(GuardOutput output = {});

}  // namespace awmg::wasm
