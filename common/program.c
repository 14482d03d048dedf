/* program.c: the program's name, set once by main(). */
#include "program.h"

static const char *name = "aio-bench";

void program_set_name(const char *new_name)
{
    name = new_name;
}

const char *program_name(void)
{
    return name;
}
