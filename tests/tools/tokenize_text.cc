// Test helper: tokenizes each line of stdin (a JSON string literal, so any text fits
// on one line) with the engine's tokenizer for a model and prints one JSON object per
// line: {"ids": [...], "decoded": "<the ids decoded back to text>"}.
//   tokenize_text MODEL < lines.jsonl   (MODEL: a .gguf file, or an HF directory whose
//                                         tokenizer.json is read)
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "engine/model/gguf/gguf_file.h"
#include "engine/tokenizer/tokenizer.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: tokenize_text MODEL < lines\n");
    return 2;
  }
  absl::StatusOr<std::unique_ptr<llm::Tokenizer>> tokenizer =
      std::filesystem::is_directory(argv[1])
          ? llm::Tokenizer::FromHfDirectory(argv[1])
          : [&]() -> absl::StatusOr<std::unique_ptr<llm::Tokenizer>> {
    auto gguf = llm::GgufFile::Open(argv[1]);
    if (!gguf.ok()) return gguf.status();
    return llm::Tokenizer::FromGguf(**gguf);
  }();
  if (!tokenizer.ok()) {
    std::fprintf(stderr, "%s\n", std::string(tokenizer.status().message()).c_str());
    return 1;
  }
  std::string line;
  while (std::getline(std::cin, line)) {
    rapidjson::Document json;
    json.Parse(line.c_str());
    if (json.HasParseError() || !json.IsString()) {
      std::fprintf(stderr, "not a JSON string: %s\n", line.c_str());
      return 1;
    }
    const std::string text(json.GetString(), json.GetStringLength());
    const std::vector<int32_t> ids =
        (*tokenizer)->Encode(text, /*add_special=*/false, /*parse_special=*/true);
    const std::string decoded = (*tokenizer)->Decode(ids, /*skip_special=*/false);
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    writer.StartObject();
    writer.Key("ids");
    writer.StartArray();
    for (int32_t id : ids) writer.Int(id);
    writer.EndArray();
    writer.Key("decoded");
    writer.String(decoded.data(), static_cast<rapidjson::SizeType>(decoded.size()));
    writer.EndObject();
    std::printf("%s\n", buffer.GetString());
  }
  return 0;
}
