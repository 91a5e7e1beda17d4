#include <stdio.h>
int
main(void)
{
    puts("plugpod " POD_VERSION);
    return 0;
}
