from csi.cli import main

main()
