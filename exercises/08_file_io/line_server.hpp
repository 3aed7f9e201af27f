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

inline net::awaitable<void> line_session(tcp::socket socket, std::size_t max_line) {
  // TODO: read line after line, answer each upper-cased; answer a line
  //       longer than max_line with line_too_long, without ever holding
  //       more than about max_line bytes; end when the client leaves.
  co_return lunch::todo<void>("line_session: answer each line upper-cased, an over-long line with line_too_long");
}

inline net::awaitable<void> line_server(tcp::acceptor& acceptor, std::size_t max_line) {
  // TODO: accept connections until the acceptor is closed, and serve each
  //       one with a line_session, all of them at the same time.
  co_return lunch::todo<void>("line_server: accept clients and start a line_session for each");
}
