# cmake -DREADME=R -DLISTS=L -P readme_quotes_downstream.cmake: fails unless README R contains
# the lines of the downstream CMakeLists L from find_package(janus ...) to the end, verbatim.
file(READ ${LISTS} lists)
string(FIND "${lists}" "find_package(janus" start)
if(start LESS 0)
  message(FATAL_ERROR "${LISTS}: no find_package(janus ...) line")
endif()
string(SUBSTRING "${lists}" ${start} -1 block)
string(STRIP "${block}" block)
file(READ ${README} readme)
string(FIND "${readme}" "${block}" found)
if(found LESS 0)
  message(FATAL_ERROR "${README} does not show the lines of ${LISTS}:\n${block}")
endif()
