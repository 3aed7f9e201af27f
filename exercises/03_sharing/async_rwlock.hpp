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

  explicit async_rwlock(net::any_io_executor ex) : ex_(std::move(ex)) {}
  async_rwlock(const async_rwlock&) = delete;
  async_rwlock& operator=(const async_rwlock&) = delete;

  // Waits until no writer holds or waits ahead of us, then joins the readers.
  net::awaitable<read_guard> read_lock() {
    // TODO: queue up behind whoever came first (a writer included), and once
    //       in, leave the way open for those behind you; then
    //       `co_return read_guard(this);`
    co_return lunch::todo<read_guard>(
        "async_rwlock::read_lock: join the readers, after any waiting writer");
  }

  // Waits until everybody ahead of us has left, then holds the lock alone.
  net::awaitable<write_guard> write_lock() {
    // TODO: wait for your turn and keep everyone behind you out; then wait
    //       for the readers already inside. What if that wait is cancelled?
    co_return lunch::todo<write_guard>(
        "async_rwlock::write_lock: wait for your turn, then for the readers");
  }

 private:
  void unlock_read() noexcept {
    // TODO: count yourself out; the last reader out wakes a waiting writer.
  }
  void unlock_write() noexcept {
    // TODO: let the next one in line have its turn.
  }

  // TODO: the state of the lock. An executor is all you start with.
  net::any_io_executor ex_;
};
