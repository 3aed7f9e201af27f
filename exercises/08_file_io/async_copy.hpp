// Exercise 08_file_io/async_copy
//
// Tokio has `tokio::io::copy(&mut reader, &mut writer)`: read a chunk, write
// it all, again, until the reader reports end of file; return how many
// bytes went across. Asio has no copy, but it has the same two concepts:
// an AsyncReadStream (anything with `async_read_some`) and an
// AsyncWriteStream (anything with `async_write_some`). A TCP socket, a
// pipe end (`posix::stream_descriptor`) and a file (`stream_file`) are all
// both, so one template copies between any two of them.
//
// Write `async_copy(from, to, buffer_size)`.
//
// Four facts:
//   1. `async_read_some` returns as soon as *some* bytes are there: fewer
//      than the buffer holds, often. End of file arrives as the error
//      `net::error::eof`, after the last bytes.
//   2. `async_write_some` may write only part of what it is given (a full
//      pipe takes what fits); the free function `net::async_write` loops
//      until every byte is written.
//   3. With `net::use_awaitable` an error is thrown as
//      `boost::system::system_error`; `net::as_tuple(net::use_awaitable)`
//      hands you `(error_code, n)` instead.
//   4. `net::buffer(v)` is the whole vector; `net::buffer(v, n)` its first n bytes.
//
// Done when:
//   - the bytes arrive identical and in order, for a size that is not a
//     multiple of the buffer, over a pipe, a TCP connection and a file;
//   - it returns the number of bytes copied (0 for an empty source);
//   - it ends when the reader reports end of file, not before;
//   - a read error (a reset connection) or a write to a closed peer is
//     thrown as system_error with that error, not swallowed, not a hang.
//
// Pitfall: treating every error as end of file. The copy then "succeeds"
// with fewer bytes, and nobody learns that the data was cut short.
#pragma once

#include <boost/asio.hpp>

#include <cstddef>
#include <vector>

#include "lunch/todo.hpp"

namespace net = boost::asio;

template <class AsyncReadStream, class AsyncWriteStream>
net::awaitable<std::size_t> async_copy(AsyncReadStream& from, AsyncWriteStream& to,
                                       std::size_t buffer_size = 64 * 1024) {
  std::vector<char> buffer(buffer_size);
  // TODO: read some, write what was read, until end of file; count the
  //       bytes. Any other error must reach the caller.
  co_return lunch::todo<std::size_t>("async_copy: read chunks from `from` and write them to `to` until end of file");
}
