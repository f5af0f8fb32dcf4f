// ccmond: the call-center monitoring daemon. Everything lives in daemon/app.
#include "daemon/app/app.h"

int main(int argc, char** argv) { return ccmon::app::Main(argc, argv); }
