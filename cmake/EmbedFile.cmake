# Script mode: writes OUTPUT, a C++ file defining retrain::SYMBOL as the bytes of INPUT.
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
file(WRITE ${OUTPUT} "#include <string_view>\nnamespace retrain {\nnamespace {\nconst char k${SYMBOL}Data[] = {${bytes} 0};\n}\nextern const std::string_view ${SYMBOL};\nconst std::string_view ${SYMBOL}(k${SYMBOL}Data, ${size});\n}  // namespace retrain\n")
