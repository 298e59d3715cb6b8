// The network floor of the burst benchmark: a bare Boost.Beast HTTP/1.1 server and client on
// 127.0.0.1 with keep-alive, one small request and answer at a time, nothing else. What a
// request costs the loopback path before any of the product's work.
// Must not: expose Boost.Asio/Beast in this header.
#pragma once

#include <cstdint>

namespace kci::bench {

//! Sends `requests` sequential GETs over one keep-alive connection to a server thread on an
//! ephemeral port; requests per second of wall time, or a negative number on any failure.
double beast_loopback_requests_per_second(std::int64_t requests);

}  // namespace kci::bench
