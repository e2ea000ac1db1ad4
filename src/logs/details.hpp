// `logs --details`: the attributes a container's log options ask for (--log-opt labels=,
// labels-regex=, env=, env-regex=), printed before each line as Docker prints them:
// "key=value,key2=value2", keys sorted, each part escaped as Go's url.QueryEscape does.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace asup::logs {

// `labels`: the container's (the image's, then -l); `env`: "K=V" entries; `log_opts`: the
// --log-opt pairs. "" when no option names an attribute the container has.
std::string log_details(const std::map<std::string, std::string>& labels,
                        const std::vector<std::string>& env,
                        const std::map<std::string, std::string>& log_opts);

}  // namespace asup::logs
