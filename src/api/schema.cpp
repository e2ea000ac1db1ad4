#include "api/schema.hpp"

#include "api/requests.hpp"

namespace asup::api {

std::vector<OpSchema> protocol_schema() {
  std::vector<OpSchema> out;
  for_each_request([&](auto request) {
    using Request = decltype(request);
    out.push_back({std::string(Request::kOp), field_names<Request>(),
                   field_names<typename Request::Reply>()});
  });
  return out;
}

}  // namespace asup::api
