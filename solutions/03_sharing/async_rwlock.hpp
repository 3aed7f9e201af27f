// Exercise 03_sharing/async_rwlock
//
// Data that is read often and written rarely wants a read-write lock: any
// number of readers at once, or one writer alone. Tokio has RwLock; Asio
// has none, so build one on the same channel trick as async_mutex.
//
// The hard part is fairness. "Readers wait while a writer holds it" is not
// enough: if new readers may join the ones already inside, a steady stream
// of overlapping readers keeps the count above zero forever, and a waiting
// writer never gets in (writer starvation). Once a writer is waiting,
// readers that arrive after it must queue behind it.
//
// Write `read_lock()`, `write_lock()` and the two private unlocks. The
// guards are written for you.
//
// Done when:
//   - many readers hold the lock at the same time;
//   - a writer holds it alone: no reader and no other writer inside, also
//     on 4 threads x 10'000 visits;
//   - a reader that arrives while a writer waits gets in after that writer;
//     at every hand-over the lock goes to the oldest waiter, and never
//     inside the unlock itself (the next holder resumes later);
//   - a write_lock() cancelled while it waits (through its cancellation
//     slot) throws boost::system::system_error (operation_aborted; with a
//     channel, its channel_cancelled), holds nothing, and leaves nobody
//     stuck behind it;
//   - guards release on scope exit (and `unlock()` releases early);
//   - waiting never blocks a thread, and costs no CPU.
//
// Pitfall: holding a read guard while you co_await write_lock() waits for
// yourself to leave: a deadlock. Drop the read guard first (and re-check
// what you read: it may have changed in between).
#pragma once

#include <boost/asio.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <atomic>
#include <utility>

#include "lunch/todo.hpp"

namespace net = boost::asio;

class async_rwlock {
 public:
  // Proof that you hold the lock, for writing or for reading. Move-only:
  // exactly one owner releases it.
  template <bool Writer>
  class guard {
   public:
    guard(guard&& o) noexcept : l_(std::exchange(o.l_, nullptr)) {}
    guard& operator=(guard&& o) noexcept {
      if (this != &o) {
        unlock();
        l_ = std::exchange(o.l_, nullptr);
      }
      return *this;
    }
    ~guard() { unlock(); }

    // Releases early (Rust's `drop(guard)`); later calls do nothing.
    void unlock() noexcept {
      if (!l_) return;
      if constexpr (Writer) std::exchange(l_, nullptr)->unlock_write();
      else std::exchange(l_, nullptr)->unlock_read();
    }
    bool owns_lock() const noexcept { return l_ != nullptr; }

   private:
    friend class async_rwlock;
    explicit guard(async_rwlock* l) noexcept : l_(l) {}
    async_rwlock* l_;
  };
  using read_guard = guard<false>;
  using write_guard = guard<true>;

  // SOLUTION: two channels of capacity 1 and a count. `turn_` is a FIFO
  // mutex that everybody passes through on the way in: readers let go of it
  // at once, a writer keeps it. `drained_` carries "the last reader left".
  explicit async_rwlock(net::any_io_executor ex)
      : turn_(ex, 1), drained_(ex, 1) {}
  async_rwlock(const async_rwlock&) = delete;
  async_rwlock& operator=(const async_rwlock&) = delete;

  // Waits until no writer holds or waits ahead of us, then joins the readers.
  net::awaitable<read_guard> read_lock() {
    // SOLUTION: a reader queues at the same door as writers, so once a
    // writer is waiting (holding the door), later readers queue behind it.
    co_await turn_.async_send(error_code{}, net::use_awaitable);
    ++readers_;
    // Hold the door open for the next in line: readers overlap.
    turn_.try_receive([](error_code) {});
    co_return read_guard(this);
  }

  // Waits until everybody ahead of us has left, then holds the lock alone.
  net::awaitable<write_guard> write_lock() {
    // SOLUTION: take the door and keep it. From here on nobody new comes
    // in, so the reader count can only fall.
    co_await turn_.async_send(error_code{}, net::use_awaitable);
    // The guard owns the door already: if the wait below is cancelled, the
    // door opens again when the exception leaves this frame.
    write_guard g(this);
    // `drained_` may hold an old "last reader left" from a moment when no
    // writer waited; that is why this re-checks the count in a loop instead
    // of trusting one signal.
    while (readers_ > 0) {
      // as_tuple: a cancelled wait comes back as an error code, so that
      // the channel can be mended before the cancellation goes on.
      auto [ec] = co_await drained_.async_receive(net::as_tuple(net::use_awaitable));
      if (ec) {
        // Boost 1.81 (asio #1241): after a cancelled receive, try_send
        // fails until the next receive waits. The next writer checks the
        // count, sees a reader, and a moment later that reader leaves on
        // another thread: its signal would be refused, and the writer would
        // wait for it forever. reset() mends the channel; nobody else
        // waits on it, because we hold the door. (1.82 and later need no
        // reset; it does no harm there.)
        drained_.reset();
        throw boost::system::system_error(ec);
      }
    }
    co_return g;
  }

 private:
  void unlock_read() noexcept {
    // SOLUTION: the signal is buffered (capacity 1), so it is not lost
    // when the writer has seen `readers_ > 0` but not started waiting yet.
    // If the box is already full, one signal is as good as two.
    if (--readers_ == 0) drained_.try_send(error_code{});
  }
  void unlock_write() noexcept {
    // SOLUTION: open the door: the first waiter in line gets its turn.
    turn_.try_receive([](error_code) {});
  }

  // SOLUTION: readers_ is atomic because readers leave from any thread
  // without taking the door.
  using error_code = boost::system::error_code;
  net::experimental::concurrent_channel<void(error_code)> turn_;
  net::experimental::concurrent_channel<void(error_code)> drained_;
  std::atomic<int> readers_{0};
};

// Another way: one std::mutex (held for a few instructions only) around a
// reader count, a writer flag and a queue of waiting handlers, each waiter
// recorded as reader or writer; unlock wakes the front writer alone, or the
// run of readers at the front together, and a cancelled waiter leaves the
// queue (which may let the readers behind it in). Tokio's RwLock gets the
// same fairness from its fair semaphore: a reader takes one permit, a
// writer all of them.
