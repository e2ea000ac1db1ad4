// Docker's checks of the resource flags of run, create and update against what this host
// can apply (cgroup/validate.hpp), before anything is made: a value Docker refuses is an
// error in its words; a limit the host cannot apply is dropped, and the caller is warned
// with a notice, as Docker answers with its "Warnings".
#pragma once

#include <string>
#include <vector>

#include "api/caller.hpp"
#include "api/requests.hpp"
#include "asup/result.hpp"
#include "cgroup/cgroup.hpp"
#include "cgroup/validate.hpp"

namespace asup::engine {

// What this host's cgroups can apply, for the backend asupd runs on.
cgroup::HostResources host_resources(const cgroup::Manager& cgroups);

// Checks the limits `request` asks for on `host`. Returns the warnings for what the host
// cannot apply, which is taken out of `request`, so that the container is made, inspected
// and kept with the limits it really has.
Result<std::vector<std::string>> fit_run_limits(api::RunRequest& request,
                                                const cgroup::HostResources& host);

// The limits an update asks for, checked as run checks them (what an update may leave out
// is allowed: --memory-swap without --memory), with the warnings for what was dropped.
Result<cgroup::CheckedLimits> update_limits(const api::UpdateRequest& request,
                                            const cgroup::HostResources& host);

// Merges the limits an update set into those a container keeps in its config.
void keep_updated_limits(const cgroup::Limits& update, cgroup::Limits& kept);

// Each warning as a notice; sent before the request's final reply, for the client to
// print as "WARNING: ..." as Docker's does.
void send_warnings(api::Caller& caller, const std::vector<std::string>& warnings);

}  // namespace asup::engine
