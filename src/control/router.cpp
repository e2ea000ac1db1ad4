#include "control/router.hpp"

#include "api/requests.hpp"
#include "asup/protocol.hpp"

namespace asup::control {
namespace {

using api::CallerPtr;
using engine::Engine;

// One overload per request type: the loop in Router's constructor does not compile while
// a request type lacks its operation.
// clang-format off
void call(Engine& e, const CallerPtr& c, const api::RunRequest& r) { e.run(c, r); }
void call(Engine& e, const CallerPtr& c, const api::PsRequest& r) { e.ps(c, r); }
void call(Engine& e, const CallerPtr& c, const api::InspectRequest& r) { e.inspect(c, r); }
void call(Engine& e, const CallerPtr& c, const api::PortRequest& r) { e.port(c, r); }
void call(Engine& e, const CallerPtr& c, const api::LogsRequest& r) { e.logs(c, r); }
void call(Engine& e, const CallerPtr& c, const api::ExecRequest& r) { e.exec(c, r); }
void call(Engine& e, const CallerPtr& c, const api::StopRequest& r) { e.stop(c, r); }
void call(Engine& e, const CallerPtr& c, const api::KillRequest& r) { e.kill(c, r); }
void call(Engine& e, const CallerPtr& c, const api::RmRequest& r) { e.rm(c, r); }
void call(Engine& e, const CallerPtr& c, const api::WaitRequest& r) { e.wait(c, r); }
void call(Engine& e, const CallerPtr& c, const api::LoadRequest& r) { e.load(c, r); }
void call(Engine& e, const CallerPtr& c, const api::ImportRequest& r) { e.import(c, r); }
void call(Engine& e, const CallerPtr& c, const api::ImagesRequest& r) { e.images(c, r); }
void call(Engine& e, const CallerPtr& c, const api::RmiRequest& r) { e.rmi(c, r); }
void call(Engine& e, const CallerPtr& c, const api::PullRequest& r) { e.pull(c, r); }
void call(Engine& e, const CallerPtr& c, const api::LoginRequest& r) { e.login(c, r); }
void call(Engine& e, const CallerPtr& c, const api::LogoutRequest& r) { e.logout(c, r); }
void call(Engine& e, const CallerPtr& c, const api::TagRequest& r) { e.tag(c, r); }
void call(Engine& e, const CallerPtr& c, const api::SaveRequest& r) { e.save(c, r); }
void call(Engine& e, const CallerPtr& c, const api::ImageInspectRequest& r) { e.image_inspect(c, r); }
void call(Engine& e, const CallerPtr& c, const api::ImagePruneRequest& r) { e.image_prune(c, r); }
void call(Engine& e, const CallerPtr& c, const api::NetworkCreateRequest& r) { e.network_create(c, r); }
void call(Engine& e, const CallerPtr& c, const api::NetworkLsRequest& r) { e.network_ls(c, r); }
void call(Engine& e, const CallerPtr& c, const api::NetworkInspectRequest& r) { e.network_inspect(c, r); }
void call(Engine& e, const CallerPtr& c, const api::NetworkRmRequest& r) { e.network_rm(c, r); }
void call(Engine& e, const CallerPtr& c, const api::NetworkConnectRequest& r) { e.network_connect(c, r); }
void call(Engine& e, const CallerPtr& c, const api::NetworkDisconnectRequest& r) { e.network_disconnect(c, r); }
void call(Engine& e, const CallerPtr& c, const api::InputRequest& r) { e.input(c, r); }
void call(Engine& e, const CallerPtr& c, const api::ResizeRequest& r) { e.resize(c, r); }
void call(Engine& e, const CallerPtr& c, const api::AttachRequest& r) { e.attach(c, r); }
void call(Engine& e, const CallerPtr& c, const api::CreateRequest& r) { e.create(c, r); }
void call(Engine& e, const CallerPtr& c, const api::StartRequest& r) { e.start(c, r); }
void call(Engine& e, const CallerPtr& c, const api::RestartRequest& r) { e.restart(c, r); }
void call(Engine& e, const CallerPtr& c, const api::PauseRequest& r) { e.pause(c, r); }
void call(Engine& e, const CallerPtr& c, const api::UnpauseRequest& r) { e.unpause(c, r); }
void call(Engine& e, const CallerPtr& c, const api::RenameRequest& r) { e.rename(c, r); }
void call(Engine& e, const CallerPtr& c, const api::UpdateRequest& r) { e.update(c, r); }
void call(Engine& e, const CallerPtr& c, const api::TopRequest& r) { e.top(c, r); }
void call(Engine& e, const CallerPtr& c, const api::DiffRequest& r) { e.diff(c, r); }
void call(Engine& e, const CallerPtr& c, const api::VersionRequest& r) { e.version(c, r); }
void call(Engine& e, const CallerPtr& c, const api::VolumeCreateRequest& r) { e.volume_create(c, r); }
void call(Engine& e, const CallerPtr& c, const api::VolumeLsRequest& r) { e.volume_ls(c, r); }
void call(Engine& e, const CallerPtr& c, const api::VolumeInspectRequest& r) { e.volume_inspect(c, r); }
void call(Engine& e, const CallerPtr& c, const api::VolumeRmRequest& r) { e.volume_rm(c, r); }
void call(Engine& e, const CallerPtr& c, const api::VolumePruneRequest& r) { e.volume_prune(c, r); }
// clang-format on

}  // namespace

Router::Router(Engine& engine) {
  api::for_each_request([&](auto sample) {
    using Request = decltype(sample);
    handlers_.emplace(
        std::string(Request::kOp), [&engine](const CallerPtr& caller, const nlohmann::json& body) {
          auto request = api::decode<Request>(body);
          if (!request)
            return caller->send_error(protocol::kExitEngineError, request.error().message);
          call(engine, caller, request.value());
        });
  });
}

void Router::route(const api::CallerPtr& caller, const Request& request) {
  auto it = handlers_.find(request.op);
  if (it == handlers_.end())
    return caller->send_error(protocol::kExitEngineError, "unknown request \"" + request.op + "\"");
  it->second(caller, request.body);
}

}  // namespace asup::control
