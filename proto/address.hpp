// Checking the addresses peers connect to and the controller binds, before
// ZeroMQ sees them: zmq_connect() fails on a malformed address with a bare
// EINVAL ("Invalid argument"), takes "tcp://h:70000" or "tcp://:5000", and
// retries a host that does not resolve for ever without a word; zmq_bind()
// says "No such device" for a host name. Each problem here is one phrase
// that names what is wrong, for an error of one line. Used by the engine,
// the client and the command line alike.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace herd::wire {

// What is wrong with `url` as an address to connect to, tcp://HOST:PORT
// (HOST a name, an IPv4 address or [an IPv6 address]; PORT 1-65535), or ""
// if nothing is. Only the form: nothing is looked up.
std::string connect_address_problem(std::string_view url);

// As above, but throws herd::ConnectionError "bad address 'URL': PROBLEM".
void check_connect_address(std::string_view url);

// Whether the HOST of a well-formed `url` resolves: "" if it does (or if the
// name service cannot tell now: the caller's connection attempts go on),
// else why not ("host 'x' does not resolve (Name or service not known)").
// May block for as long as the name service takes.
std::string resolve_problem(std::string_view url);

// What is wrong with binding `ip` (an IPv4 address of this host, 0.0.0.0 or
// * for every interface, or an interface name such as lo) and, unless it is
// 0, `port` there; "" if nothing is. Tries a bind of its own, so a port in
// use is reported too.
std::string bind_address_problem(std::string_view ip, uint16_t port = 0);

}  // namespace herd::wire
