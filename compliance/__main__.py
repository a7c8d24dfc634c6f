from compliance.cli.commands import main

main()
