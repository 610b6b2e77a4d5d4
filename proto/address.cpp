#include "proto/address.hpp"

#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "herd/error.hpp"

namespace herd::wire {

namespace {

constexpr std::string_view kScheme = "tcp://";
constexpr std::string_view kForm = "expected tcp://HOST:PORT";

struct HostPort {
  std::string_view host;  // without the brackets of an IPv6 address
  std::string_view port;
};

// Splits "HOST:PORT" or "[V6]:PORT"; empty parts where they are missing.
HostPort split(std::string_view rest) {
  // ZeroMQ's "tcp://SOURCE;HOST:PORT": the part we connect to is after ';'.
  if (const auto semi = rest.find(';'); semi != std::string_view::npos) rest.remove_prefix(semi + 1);
  HostPort hp;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return {rest, {}};
    hp.host = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
    if (rest.starts_with(':')) hp.port = rest.substr(1);
    return hp;
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string_view::npos) return {rest, {}};
  return {rest.substr(0, colon), rest.substr(colon + 1)};
}

std::string port_problem(std::string_view port) {
  if (port.empty()) return "no port (" + std::string(kForm) + ")";
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size())
    return "port '" + std::string(port) + "' is not a number";
  if (value == 0 || value > 65535)
    return "port " + std::string(port) + " is out of range (1-65535)";
  return "";
}

bool host_name_chars(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

std::string connect_address_problem(std::string_view url) {
  if (url.empty()) return "the address is empty (" + std::string(kForm) + ")";
  if (!url.starts_with(kScheme)) {
    const auto scheme_end = url.find("://");
    return scheme_end == std::string_view::npos
               ? "not an address (" + std::string(kForm) + ")"
               : "unsupported transport '" + std::string(url.substr(0, scheme_end)) + "' (" +
                     std::string(kForm) + ")";
  }
  const std::string_view rest = url.substr(kScheme.size());
  const HostPort hp = split(rest);
  if (rest.starts_with('[')) {
    in6_addr v6{};
    if (::inet_pton(AF_INET6, std::string(hp.host).c_str(), &v6) != 1)
      return "'" + std::string(hp.host) + "' is not an IPv6 address";
  } else if (hp.host.empty()) {
    return "no host (" + std::string(kForm) + ")";
  } else if (!host_name_chars(hp.host)) {
    return "'" + std::string(hp.host) + "' is not a host name or address";
  }
  return port_problem(hp.port);
}

void check_connect_address(std::string_view url) {
  const std::string problem = connect_address_problem(url);
  if (!problem.empty())
    throw herd::ConnectionError("bad address '" + std::string(url) + "': " + problem);
}

std::string resolve_problem(std::string_view url) {
  if (!connect_address_problem(url).empty()) return "";
  const std::string host(split(url.substr(kScheme.size())).host);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (found) ::freeaddrinfo(found);
  // A name service that cannot answer now may answer later.
  if (rc == 0 || rc == EAI_AGAIN) return "";
  return "host '" + host + "' does not resolve (" + ::gai_strerror(rc) + ")";
}

std::string bind_address_problem(std::string_view ip, uint16_t port) {
  const std::string text(ip);
  const std::string what = "--ip '" + text + "'";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (text == "*" || text == "0.0.0.0") {
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
  } else if (::inet_pton(AF_INET, text.c_str(), &addr.sin_addr) != 1) {
    // ZeroMQ binds to an interface by name, not to a host name.
    if (!text.empty() && ::if_nametoindex(text.c_str()) != 0) return "";
    return what + " is neither an IPv4 address nor an interface of this host (give an address "
                  "such as 127.0.0.1, 0.0.0.0 for every interface, or a name such as lo)";
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return "";  // cannot tell; the real bind will say
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // as ZeroMQ binds
  const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int error = errno;
  ::close(fd);
  if (rc == 0) return "";
  if (error == EADDRNOTAVAIL) return what + " is not an address of this host";
  if (error == EADDRINUSE)
    return "port " + std::to_string(port) + " on " + text + " is already in use";
  return "cannot bind " + text + (port ? ":" + std::to_string(port) : "") + ": " +
         std::strerror(error);
}

}  // namespace herd::wire
