#include "herd/client.hpp"

#include <thread>

#include "client_core.hpp"
#include "herd/profile.hpp"

namespace herd {

namespace {
ConnectionInfo info_for_url(const std::string& url) {
  ConnectionInfo info;
  info.url = url;
  return info;
}

std::shared_ptr<detail::ClientCore> make_core(ConnectionInfo info, ClientOptions options) {
  auto core = std::make_shared<detail::ClientCore>(std::move(info), options);
  core->start();
  return core;
}
}  // namespace

size_t ClusterStatus::live_engines() const {
  size_t n = 0;
  for (const auto& e : engines) n += e.state != "lost";
  return n;
}

std::vector<uint32_t> ClusterStatus::live_ids() const {
  std::vector<uint32_t> out;
  for (const auto& e : engines)
    if (e.state != "lost") out.push_back(e.id);
  return out;
}

Client::Client() : Client(find_connection_info({}, Profile(), ConnectionRole::kClient)) {}

Client::Client(const std::filesystem::path& connection_file, ClientOptions options)
    : Client(read_connection_file(connection_file), options) {}

Client::Client(const ConnectionInfo& info, ClientOptions options)
    : core_(make_core(info, options)) {}

Client::Client(UrlTag, const std::string& url, ClientOptions options)
    : core_(make_core(info_for_url(url), options)) {}

Client Client::connect(const std::string& url, ClientOptions options) {
  return Client(UrlTag{}, url, options);
}

Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Client::~Client() {
  if (core_) core_->stop();
}

void Client::wait_for_engines(size_t n, std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + timeout;
  constexpr auto kPollEvery = std::chrono::milliseconds(50);
  size_t live = 0;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() > 0) {
      try {
        live = status(left).live_engines();
        if (live >= n) return;
      } catch (const TimeoutError&) {
      }
    }
    if (Clock::now() + kPollEvery >= deadline)
      throw TimeoutError("waited " + std::to_string(timeout.count()) + " ms for " +
                         std::to_string(n) + " engines; " + std::to_string(live) +
                         " connected to " + url());
    std::this_thread::sleep_for(kPollEvery);
  }
}

ClusterStatus Client::status(std::chrono::milliseconds timeout) { return core_->status(timeout); }

std::vector<uint32_t> Client::ids() { return status().live_ids(); }

LoadBalancedView Client::load_balanced_view(TaskOptions options) const {
  return LoadBalancedView(core_, options);
}

LoadBalancedView Client::balanced_over(std::vector<uint32_t> engines, TaskOptions options) const {
  detail::check_engines(core_, engines);
  return LoadBalancedView(core_, options, std::move(engines));
}

DirectView Client::direct_view() const { return DirectView(core_, {}); }

DirectView Client::direct_over(std::vector<uint32_t> engines) const {
  detail::check_engines(core_, engines);
  return DirectView(core_, std::move(engines));
}

const std::string& Client::url() const { return core_->url(); }

namespace detail {
std::shared_ptr<ResultState> submit(const std::shared_ptr<ClientCore>& core,
                                    const std::string& name, const std::string& signature,
                                    const TaskOptions& options, CallArgs args,
                                    const std::vector<uint32_t>& engines) {
  return core->submit(name, signature, options, std::move(args), engines);
}

std::shared_ptr<ResultState> submit_map(const std::shared_ptr<ClientCore>& core,
                                        const std::string& name, const std::string& signature,
                                        const TaskOptions& options, PackedColumns args,
                                        const std::vector<uint32_t>& engines) {
  return core->submit_map(name, signature, options, std::move(args), engines);
}
}  // namespace detail

}  // namespace herd
