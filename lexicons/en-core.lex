# en-core: English core lexicon of websense.
#
# Research lexicon for monitoring polarised public discourse, written for the websense
# project. A hit is a signal for an analyst, never a verdict on a post or its author.
# Same line format and weights as nl-kern.lex (1 ambiguous, 2 clear, 3 explicit).
# Terms English shares with Dutch (wef, deep state, woke, nazi, ...) are in gedeeld.lex.

name: en-core
languages: en

[anti_overheid]
traitor*                  | 2        # traitors, traitorous
treason*                  | 2        # treasonous
tyrann*                   | 1.5      # tyranny, tyrannical
tyrant*                   | 1.5
*dictatorship             | 1.5 | | military dictatorship
police state              | 2
government is the enemy   | 3
state is the enemy        | 3
government lies           | 2
puppet government         | 2
puppet regime             | 2
uniparty                  | 2
unelected bureaucrats     | 2
career politicians        | 1
drain the swamp           | 2
sold us out               | 1.5
sold out our country      | 2
illegitimate government   | 2
government overreach      | 1.5
big brother               | 1
jackboot*                 | 1.5
stolen election*          | 2
stop the steal            | 2.5
rigged election*          | 2
election fraud            | 1.5
medical apartheid         | 2
vaccine apartheid         | 2
vaccine mandate*          | 1
vaccine passport*         | 1
sovereign citizen*        | 2
military tribunal*        | 2
nuremberg 2.0             | 3
we the people             | 1

[complot]
great replacement         | 3
white genocide            | 3
plandemic                 | 3
scamdemic                 | 3
fake pandemic             | 3
clot shot*                | 3
death jab*                | 3
poison jab*               | 3
kill shot                 | 1.5
died suddenly             | 1
turbo cancer              | 3
depopulation*             | 2.5 | | rural depopulation
population control        | 1.5
bioweapon*                | 1.5
graphene oxide            | 2
shadow government         | 2
cabal                     | 1.5
controlled opposition     | 2
crisis actor*             | 3
khazarian mafia           | 3
zionist occupied government | 3
jewish question           | 2
satanic elite             | 3
satanic pedophile*        | 3
lizard people             | 3
reptilian*                | 3
globohomo                 | 2
cultural marxis*          | 2
the storm is coming       | 2
trust the plan            | 2
do your own research      | 1.5
wake up people            | 1.5
they don't want you to know | 2
social credit system      | 1.5
15 minute cit*            | 1.5      # 15-minute city, 15-minute cities
climate lockdown*         | 2
climate scam              | 2
flat earth                | 1.5
weather modification      | 1.5

[ontmenselijking]
vermin                    | 2
cockroach*                | 2
parasite*                 | 1.5
rats                      | 1
are animals               | 2.5
they're animals           | 2.5
subhuman*                 | 3
savages                   | 2
scum                      | 2
human garbage             | 3
human trash               | 3
human filth               | 3
infest*                   | 1 | | rat infestation; bed bug infestation; pest infestation; infested with bed bugs
breed like rabbits        | 2.5
breeding like rabbits     | 2.5
mongrel*                  | 2
goat fucker*              | 3
cancer on society         | 2.5
locusts                   | 1
hordes                    | 1
not human                 | 2
not even human            | 3
aren't human              | 2.5
degenerate*               | 1.5
bottom feeders            | 1.5
swarm of migrants         | 2.5

[dreiging]
know where you live       | 3
coming for you            | 2
we will find you          | 2.5
hang them                 | 2.5
hang the traitors         | 3
should be hanged          | 3
deserve to hang           | 3
deserves to hang          | 3
hanged for treason        | 3
noose                     | 2
get the rope              | 3
day of the rope           | 3
bullet in the head        | 3
bullet in your head       | 3
bullet between the eyes   | 3
put a bullet in           | 3
shoot them                | 2 | | shoot them an email; shoot them a message; shoot them a text
kill                      | 1 | | kill time; kill switch; kill the lights; kill it; kill two birds; kill the engine; kill the process; kill a process; kill command
kill them all             | 3
kill yourself             | 2.5
kys                       | 2
i will kill you           | 3
i'll kill you             | 3
gonna kill you            | 3
going to kill you         | 2.5 | | not going to kill you
execute them              | 3
public execution*         | 1.5
firing squad              | 2
lynch them                | 3
lynch mob                 | 2
lynching                  | 1.5
burn them                 | 1.5
burn them alive           | 3
burn it all down          | 2
pipe bomb*                | 1.5
civil war                 | 1.5
boogaloo                  | 2
second amendment solution* | 3
day of reckoning          | 2
blood will flow           | 3
blood will be spilled     | 3
heads will roll           | 1.5
watch your back           | 1.5
you've been warned        | 2
you have been warned      | 2
storm the capitol         | 3
storm parliament          | 2.5
take up arms              | 2.5
armed uprising            | 2.5
armed resistance          | 1.5
lock and load             | 1.5
i will rape you           | 3
should be raped           | 3
deserve to be raped       | 3
hope you die              | 3
hope you get cancer       | 2.5
die in a fire             | 2
gas them                  | 3
behead*                   | 1.5
slit your throat          | 3
slit their throats        | 3
exterminate*              | 2
wipe them out             | 2.5
wiped off the map         | 2
shoot on sight            | 2.5
every last one of them    | 1.5
pitchforks                | 1.5
death threat*             | 1        # reports of threats: context for an analyst

[wij_zij]
us vs them                | 2
us versus them            | 2
us against them           | 2
enemy of the people       | 2.5
enemies of the people     | 2.5
elites                    | 1
coastal elite*            | 1.5
liberal elite*            | 2
ruling class              | 1.5
silent majority           | 1.5
true patriots             | 1.5
wake up sheep             | 2.5
libtard*                  | 2.5
leftard*                  | 2.5
demonrat*                 | 2.5
democrap*                 | 2
rethuglican*              | 2
trumptard*                | 2.5
magat                     | 2
magats                    | 2
snowflake*                | 1 | | snowflake pattern; snowflake decorations
woke mob                  | 2
wokeism                   | 1.5
wokerati                  | 2
social justice warrior*   | 1.5
sjw*                      | 1.5
covidiot*                 | 2
climate cult*             | 2
climate alarmist*         | 1.5
eco terrorist*            | 2
groomer*                  | 2

[uitsluiting]
remigration               | 2
send them back            | 2
go back to your country   | 2.5
back where you came from  | 2.5
invaders                  | 2 | | space invaders
migrant invasion          | 3
invasion                  | 1 | | invasion of ukraine; russian invasion; invasion of iraq; d day invasion
illegals                  | 2
illegal alien*            | 1.5
anchor baby               | 2.5
anchor babies             | 2.5
fake refugee*             | 2
bogus asylum seeker*      | 2
economic migrants         | 1
military aged men         | 2
military age men          | 2
fighting age men          | 2
mass immigration          | 2
mass migration            | 1.5
islamisation              | 1.5
islamization              | 1.5
islamification            | 1.5
londonistan               | 2.5
muzzie*                   | 3
towelhead*                | 3
raghead*                  | 3
rapefugee*                | 3
ban islam                 | 2
ban the quran             | 2
ban the koran             | 2
no more mosques           | 2
stop the boats            | 1
deport them all           | 3
should be deported        | 2
mass deportation*         | 1.5
cultural enricher*        | 2.5
shithole country          | 2.5
shithole countries        | 2.5
our own people first      | 2
close the borders         | 1.5

[mediawantrouwen]
lamestream media          | 2.5
presstitute*              | 3
state media               | 1
propaganda machine        | 2
paid shills               | 2
shill                     | 1.5
shills                    | 1.5
media lies                | 2
media is lying            | 2
media lied                | 2
so called experts         | 1.5
so called fact check*     | 2
legacy media              | 1
corporate media           | 1.5
mockingbird media         | 2.5
operation mockingbird     | 2
regime media              | 2
government mouthpiece     | 2
brainwash*                | 1.5
censorship                | 1
censored                  | 1
uncensored                | 1
journos                   | 1
