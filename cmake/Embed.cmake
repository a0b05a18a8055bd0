# retrain_embed(OUT_VAR SYMBOL FILE): generates a .cc that defines
#   extern const std::string_view SYMBOL;  (namespace retrain)
# holding FILE's bytes, regenerated when FILE changes. Appends the .cc to OUT_VAR.
set(_retrain_embed_dir ${CMAKE_CURRENT_LIST_DIR})
function(retrain_embed out_var symbol file)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/embed_${symbol}.cc)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DSYMBOL=${symbol} -DINPUT=${file} -DOUTPUT=${output}
            -P ${_retrain_embed_dir}/EmbedFile.cmake
    DEPENDS ${file} ${_retrain_embed_dir}/EmbedFile.cmake
    VERBATIM)
  set(${out_var} ${${out_var}} ${output} PARENT_SCOPE)
endfunction()
