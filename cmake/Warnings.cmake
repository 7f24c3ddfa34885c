# One warning list for every target of the project. Each flag is here because
# it catches a class of bug that has bitten C codebases of this kind:
#   -Wshadow            a local hiding another name
#   -Wconversion        silent narrowing of sizes and integers (masses, lengths)
#   -Wstrict-prototypes / -Wmissing-prototypes   K&R declarations, forgotten statics
#   -Wformat=2          format strings that are not literals
#   -Wwrite-strings     string literals written through char *
#   -Wvla               stack arrays sized by untrusted input
set(MLEDGER_WARNINGS
  -Wall -Wextra -Wshadow -Wconversion -Wstrict-prototypes
  -Wmissing-prototypes -Wformat=2 -Wwrite-strings -Wvla)
if(MLEDGER_WERROR)
  list(APPEND MLEDGER_WARNINGS -Werror)
endif()

function(mledger_warnings target)
  target_compile_options(${target} PRIVATE ${MLEDGER_WARNINGS})
endfunction()
