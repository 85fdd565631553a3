// A read-only memory map of a whole file. Model weights are used straight from the map:
// nothing is copied, pages load on first touch, and processes share them.
// Thread-safe for reads; the map lives as long as the object.
#ifndef LLM_COMMON_MAPPED_FILE_H_
#define LLM_COMMON_MAPPED_FILE_H_

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace llm {

class MappedFile {
 public:
  // Maps `path`; the error names the file and the system's reason.
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  absl::string_view view() const { return {reinterpret_cast<const char*>(data_), size_}; }

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}

  std::string path_;
  const uint8_t* data_;
  size_t size_;
};

}  // namespace llm

#endif  // LLM_COMMON_MAPPED_FILE_H_
