// Exercise 08_file_io/line_server
//
// A line protocol over TCP: each client sends lines, and the server answers
// each one, upper-cased, in order. In Tokio you would wrap the socket in a
// `BufReader` and call `read_line` in a loop, one spawned task per client.
// Asio's counterpart of `read_line` is the free function
// `net::async_read_until(stream, buffer, '\n', token)`, and of the spawned
// task, `co_spawn` of one coroutine per connection.
//
// Write `line_session` (one client) and `line_server` (accept clients, one
// session each, all served at once).
//
// Four facts:
//   1. `async_read_until` reads in chunks, so the buffer may hold more than
//      the line: the start of the next one. It returns the length of the
//      first line, delimiter included; erase that much, keep the rest.
//   2. `net::dynamic_buffer(str, max)` lets `str` grow to `max` bytes, no
//      more. When it is full and holds no '\n', `async_read_until` fails
//      with `net::error::not_found`.
//   3. End of file and a reset connection are errors, and ordinary ones: a
//      client leaving is how every session ends.
//   4. `co_spawn(ex, session(std::move(socket)), token)` starts a session
//      and returns at once; `co_await`ing the session instead would serve
//      one client at a time.
//
// Done when:
//   - every line gets its upper-cased copy back, in order, whether it came
//     in one write, split over several, or several in one write;
//   - a client halfway through a line does not hold up any other client;
//   - a line of up to `max_line` characters (not counting '\n') is
//     answered; a longer one gets a reply starting with "ERROR" as soon as
//     the limit is passed (not when its end arrives) and then the
//     connection either goes on with the next line or closes;
//   - a client that leaves mid-line does not disturb the server;
//   - line_server returns once `acceptor` is closed.
//
// Pitfall: a buffer declared inside the loop. It throws away the start of
// the next line, which `async_read_until` had already read (fact 1).
#pragma once

#include <boost/asio.hpp>

#include <cctype>
#include <cstddef>
#include <exception>
#include <string>

#include "lunch/todo.hpp"

namespace net = boost::asio;
using tcp = net::ip::tcp;

inline const std::string line_too_long = "ERROR line too long\n";

// [slide:line_session]
inline net::awaitable<void> line_session(tcp::socket socket, std::size_t max_line) {
  // SOLUTION: one buffer for the whole connection: after a line it may
  // already hold the start of the next one (fact 1). Its limit, max_line
  // characters plus the '\n', is what keeps a client from making the
  // server buffer without end (fact 2).
  std::string buffer;
  bool skipping = false;  // inside a line that was too long
  for (;;) {
    auto [ec, n] = co_await net::async_read_until(
        socket, net::dynamic_buffer(buffer, max_line + 1), '\n',
        net::as_tuple(net::use_awaitable));
    if (ec == net::error::not_found) {
      // SOLUTION: full, and still no '\n'. Say so once, then throw the
      // long line away piece by piece until its end: the connection stays
      // usable and memory stays bounded.
      if (!skipping) {
        auto [wec, w] = co_await net::async_write(socket, net::buffer(line_too_long),
                                                  net::as_tuple(net::use_awaitable));
        if (wec) co_return;
      }
      skipping = true;
      buffer.clear();
      continue;
    }
    if (ec) co_return;  // SOLUTION: eof or reset: the client is gone (fact 3)
    std::string line = buffer.substr(0, n);
    buffer.erase(0, n);
    if (skipping) {  // the tail of the long line: not answered
      skipping = false;
      continue;
    }
    for (char& c : line) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto [wec, w] = co_await net::async_write(socket, net::buffer(line),
                                              net::as_tuple(net::use_awaitable));
    if (wec) co_return;
  }
}
// [/slide]

inline net::awaitable<void> line_server(tcp::acceptor& acceptor, std::size_t max_line) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
    // SOLUTION: closing the acceptor ends the accept with an error. A real
    // server would log other errors (out of descriptors, say) and go on.
    if (ec) co_return;
    // SOLUTION: spawned, not awaited (fact 4). The handler rethrows rather
    // than `detached`, which would swallow a session's exception unseen.
    net::co_spawn(acceptor.get_executor(), line_session(std::move(socket), max_line),
                  [](std::exception_ptr e) {
                    if (e) std::rethrow_exception(e);
                  });
  }
}

// Another way to stay bounded: read with `async_read_some` into a fixed
// array and cut lines yourself, answering "ERROR" when a line's length
// passes max_line. And another answer to a long line: reply "ERROR", then
// close the connection (return from the session), which the tests also
// accept. Closing with unread bytes makes the kernel send a reset, though,
// so the client may not get to read the error reply.
