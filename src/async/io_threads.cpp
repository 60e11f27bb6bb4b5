#include "async/io_threads.hpp"

namespace awmg::async {

IoThreads::IoThreads(unsigned main_threads, unsigned front_threads)
    : main_threads_(std::max(1u, main_threads)), main_(static_cast<int>(main_threads_)) {
  work_.push_back(boost::asio::make_work_guard(main_));
  for (unsigned i = 0; i < std::max(1u, front_threads); ++i) {
    fronts_.push_back(std::make_unique<Context>(1));
    work_.push_back(boost::asio::make_work_guard(*fronts_.back()));
  }
}

IoThreads::~IoThreads() {
  stop_and_join();
  shut_down();
}

void IoThreads::shut_down() {
  main_.shutdown();
  for (auto& front : fronts_) front->shutdown();
}

std::vector<boost::asio::io_context*> IoThreads::fronts() const {
  std::vector<boost::asio::io_context*> out;
  for (const auto& front : fronts_) out.push_back(front.get());
  return out;
}

void IoThreads::start() {
  for (unsigned i = 0; i < main_threads_; ++i) threads_.emplace_back([this] { main_.run(); });
  for (auto& front : fronts_) threads_.emplace_back([context = front.get()] { context->run(); });
}

void IoThreads::stop_and_join() {
  work_.clear();
  main_.stop();
  for (auto& front : fronts_) front->stop();
  for (auto& thread : threads_)
    if (thread.joinable()) thread.join();
  threads_.clear();
}

}  // namespace awmg::async
