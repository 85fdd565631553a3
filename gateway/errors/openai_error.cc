#include "gateway/errors/openai_error.h"

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace llm {
namespace {

void WriteOptional(rapidjson::Writer<rapidjson::StringBuffer>& writer,
                   const std::optional<std::string>& value) {
  if (value.has_value()) {
    writer.String(value->data(), static_cast<rapidjson::SizeType>(value->size()));
  } else {
    writer.Null();
  }
}

}  // namespace

std::string OpenAiErrorJson(const OpenAiError& error) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("error");
  writer.StartObject();
  writer.Key("message");
  writer.String(error.message.data(), static_cast<rapidjson::SizeType>(error.message.size()));
  writer.Key("type");
  writer.String(error.type.data(), static_cast<rapidjson::SizeType>(error.type.size()));
  writer.Key("param");
  WriteOptional(writer, error.param);
  writer.Key("code");
  WriteOptional(writer, error.code);
  writer.EndObject();
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

HttpResponse OpenAiErrorResponse(const HttpRequest& request, const OpenAiError& error) {
  return MakeHttpResponse(request, error.status, "application/json", OpenAiErrorJson(error));
}

}  // namespace llm
