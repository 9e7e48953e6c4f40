from entrocode.cli import main

main()
